"""Benchmark: the contact-centre portal's find-and-record flow under load, on PostgreSQL.

One command (`make bench-staff`):

1. creates a scratch PostgreSQL database, migrates it and bulk-loads N patients (default 1,000,000) with
   COPY, each with a postal address (the synthetic people of bench/patient_journey.py);
2. adds A agents with `ndop staff add` (each gets its own TOTP secret) and starts `ndop serve` on the
   database (gunicorn, the production server);
3. the peer, as the floor: A concurrent clients fetch the landing page and /healthz for D seconds;
4. A agents in parallel, each signed in once with a TOTP code, take calls for D seconds, each call a
   different person: the find page, a trace by family name + date of birth + postcode, open the record
   with a reason (audited), record a phone opt-out (which also renders its confirmation letter);
   with a think time (the agent talking to the caller) before each request, not timed;
5. prints p50/p95/p99 per step and for the whole flow, each step's p95 against the landing page's, calls
   per second; writes bench/out/staff_portal.json; drops the database.

The target from issue 13: the find-and-record flow p95 < 200 ms with 1M patients on PostgreSQL (each
request of it; the flow's total is printed beside).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import io
import json
import os
import random
import re
import signal
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import requests

# The patient benchmark's data, server and timing helpers are shared, imported as `bench.patient_journey`:
# bench/ itself leaves the path, or bench/statistics.py would stand in for the standard library's module.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))
from bench import patient_journey as pj  # noqa: E402

OUT = pj.OUT
PASSWORD = "bench staff password 1"  # noqa: S105 - the accounts of a scratch database
SECRET = re.compile(r"^TOTP secret:\s+(\S+)$", re.MULTILINE)
TARGET_P95_MS = 200.0
STEPS = ("GET find", "GET trace", "POST open record", "POST record phone choice")


def load_patients(conninfo: str, numbers: list[str]) -> float:
    """The patient benchmark's people, with an address for their letters."""
    started = time.perf_counter()
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY patient (nhs_number, given_name, family_name, date_of_birth, gender, postcode, lsoa_code, "
            "gp_practice_code, mobile, email, date_of_death, superseded_by, sensitive, address_line_1, town) "
            "FROM STDIN"
        ) as copy:
            buf = io.StringIO()
            for i, number in enumerate(numbers):
                buf.write(
                    f"{number}\tGiven{i}\tFamily{i}\t{pj.birth_date(i).isoformat()}\t{1 + i % 2}\t{pj.postcode(i)}\t"
                    f"E0100{i % 10000:04d}\tA{i % 8000:05d}\t07{i:09d}\tp{i}@example.com\t\\N\t\tf\t"
                    f"{i % 200 + 1} High Street\tTown{i % 500}\n"
                )
                if i % 50_000 == 49_999:
                    copy.write(buf.getvalue())
                    buf = io.StringIO()
            copy.write(buf.getvalue())
        cur.execute("ANALYZE patient")
    return time.perf_counter() - started


def totp(secret_b32: str, at: float | None = None) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits), as an authenticator app computes it."""
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(base64.b32decode(secret_b32), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def add_agents(env: dict[str, str], count: int) -> list[tuple[str, str]]:
    ndop = Path(sys.executable).with_name("ndop")
    agents = []
    for k in range(count):
        username = f"bench.agent{k:02d}"
        done = subprocess.run([str(ndop), "staff", "add", username, "--name", f"Agent {k}", "--role", "agent",
                               "--password-stdin"], input=PASSWORD + "\n", env=env, capture_output=True,
                              text=True, check=True)
        found = SECRET.search(done.stdout)
        if found is None:
            raise SystemExit("ndop staff add printed no TOTP secret")
        agents.append((username, found.group(1)))
    return agents


def sign_in(base: str, username: str, secret: str) -> requests.Session:
    s = requests.Session()
    page = s.get(base + "/staff/sign-in", timeout=30)
    r = s.post(base + "/staff/sign-in", allow_redirects=False, timeout=30, data={
        "csrfmiddlewaretoken": pj.token(page), "username": username, "password": PASSWORD, "code": totp(secret)})
    if r.status_code != 302:
        raise RuntimeError(f"{username} could not sign in: HTTP {r.status_code}")
    return s


class Flows(pj.Timings):
    def __init__(self) -> None:
        super().__init__()
        self.flows: list[float] = []


def call(base: str, s: requests.Session, index: int, number: str, timings: Flows, think: float) -> None:
    """One caller: find, trace, open the record with a reason, record a phone opt-out."""
    flow = 0.0

    def step(page: str, fn, *args, **kwargs) -> requests.Response:  # type: ignore[no-untyped-def]
        nonlocal flow
        if think:
            time.sleep(random.uniform(0.5 * think, 1.5 * think))  # talking to the caller (not timed)
        started = time.perf_counter()
        r = pj.timed(timings, page, fn, *args, **kwargs)
        flow += (time.perf_counter() - started) * 1000
        return r

    find = step("GET find", s.get, base + "/staff/find")
    born = pj.birth_date(index)
    found = step("GET trace", s.get, base + "/staff/find", params={
        "search": "trace", "family_name": f"family{index}", "dob_day": born.day, "dob_month": born.month,
        "dob_year": born.year, "postcode": pj.postcode(index).lower()})
    if "1 person found" not in found.text:
        raise RuntimeError("the trace did not find one person")
    record = step("POST open record", s.post, base + "/staff/person", data={
        "csrfmiddlewaretoken": pj.token(find), "nhs_number": number, "reason": f"call {index}-A"})
    done = step("POST record phone choice", s.post, base + "/staff/phone", data={
        "csrfmiddlewaretoken": pj.token(record), "nhs_number": number, "reason": f"call {index}-A",
        "identity": ["full_name", "date_of_birth", "postcode"], "choice": "opted_out", "acting_for": "self",
        "nic_reference": f"{index}-A"})
    if "Choice recorded" not in done.text:
        raise RuntimeError("the choice was not recorded")
    with timings.lock:
        timings.flows.append(flow)
        timings.journeys += 1


def run_agents(base: str, sessions: list[requests.Session], numbers: list[str], seconds: float, think: float,
               order: list[int]) -> tuple[Flows, float]:
    timings = Flows()
    cursor = iter(order)
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def agent(s: requests.Session) -> None:
        # gunicorn closes idle keep-alive connections after 2 s; a paused agent reconnects, as a browser does.
        s.headers["Connection"] = "close" if think else "keep-alive"
        while time.monotonic() < stop_at:
            with lock:
                index = next(cursor)
            try:
                call(base, s, index, numbers[index], timings, think)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                timings.error(str(exc)[:80])

    started = time.perf_counter()
    threads = [threading.Thread(target=agent, args=(s,)) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return timings, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--agents", type=int, default=20, help="agents taking calls in parallel")
    parser.add_argument("--seconds", type=float, default=60, help="how long each phase runs")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes for ndop serve")
    parser.add_argument("--think", type=float, action="append",
                        help="mean seconds an agent pauses before each request; repeat for several runs "
                             "(default: 2, talking to the caller)")
    parser.add_argument("--pg-url", default=os.environ.get("NDOP_BENCH_PG_URL",
                                                           "postgres://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    if args.agents > 30:
        parser.error("at most 30 agents: they all sign in from one address (30 sign-ins per 15 minutes)")
    thinks: list[float] = args.think or [2.0]

    name = f"ndop_bench_staff_{os.getpid()}"
    url = pj.with_db(args.pg_url, name)
    OUT.mkdir(parents=True, exist_ok=True)
    var_dir = OUT / "staff_var"
    var_dir.mkdir(exist_ok=True)
    with psycopg.connect(args.pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    server: subprocess.Popen[bytes] | None = None
    runs: list[tuple[float, pj.Timings, Flows, float]] = []
    try:
        env = pj.server_env(url, var_dir)
        print(f"Scratch database {name}: migrating ...", flush=True)
        migrate = "from ndop import container; container.setup_django(); container.migrate()"
        subprocess.run([sys.executable, "-c", migrate], env=env, check=True)
        print(f"Loading {args.patients:,} patients with COPY ...", flush=True)
        numbers = pj.nhs_numbers(args.patients)
        load_s = load_patients(url, numbers)
        print(f"  loaded in {load_s:.1f} s; adding {args.agents} agents ...", flush=True)
        agents = add_agents(env, args.agents)

        port = pj.free_port()
        base = f"http://127.0.0.1:{port}"
        ndop = Path(sys.executable).with_name("ndop")
        server = subprocess.Popen([str(ndop), "serve", "--port", str(port), "--workers", str(args.workers)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        pj.wait_up(base, server)
        order = list(range(len(numbers)))
        random.Random(13).shuffle(order)
        slices = [order[k :: len(thinks) + 1] for k in range(len(thinks) + 1)]  # each run its own callers
        # Each agent signs in once (a TOTP code is good once) and keeps the session, as at a desk.
        sessions = [sign_in(base, username, secret) for username, secret in agents]
        print("Warming up ...", flush=True)
        run_agents(base, sessions[: min(len(sessions), 2 * args.workers)], numbers, min(args.seconds, 10), 0,
                   slices[-1])
        pj.run_peer(base, args.agents, 2)
        for k, think in enumerate(thinks):
            print(f"Peer (think {think:g} s): landing page and /healthz, {args.agents} clients, "
                  f"{args.seconds:.0f} s ...", flush=True)
            peer = pj.run_peer(base, args.agents, args.seconds, think)
            print(f"Agents (think {think:g} s): {args.agents} agents taking calls, {args.seconds:.0f} s ...",
                  flush=True)
            timings, elapsed = run_agents(base, sessions, numbers, args.seconds, think, slices[k])
            runs.append((think, peer, timings, elapsed))
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        if not args.keep:
            with psycopg.connect(args.pg_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    results = []
    failed = False
    for think, peer, timings, elapsed in runs:
        print()
        print(f"== {args.agents} agents, think time {think:g} s, {args.patients:,} patients, {args.workers} workers, "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs ==")
        rows = pj.table(peer, timings)
        steps = [r for r in rows if r["page"] in STEPS]
        worst = max(steps, key=lambda r: float(r["p95_ms"])) if steps else None  # type: ignore[arg-type]
        flow_p95 = pj.pct(timings.flows, 95)
        print(f"whole flow (4 requests, think time excluded): n={len(timings.flows)} "
              f"p50 {pj.pct(timings.flows, 50):.1f} ms, p95 {flow_p95:.1f} ms")
        per_s = timings.journeys / elapsed
        print(f"calls completed: {timings.journeys} in {elapsed:.1f} s = {per_s:.2f} calls/s")
        if worst is not None:
            verdict = "meets" if float(worst["p95_ms"]) < TARGET_P95_MS else "misses"  # type: ignore[arg-type]
            print(f"slowest step p95: {worst['page']} {float(worst['p95_ms']):.1f} ms -> {verdict} the "  # type: ignore[arg-type]
                  f"{TARGET_P95_MS:.0f} ms target")
        if timings.errors or peer.errors:
            failed = True
            print(f"errors: {dict(timings.errors)} {dict(peer.errors)}")
        results.append({"think": think, "calls": timings.journeys, "calls_per_second": per_s,
                        "flow_p50_ms": pj.pct(timings.flows, 50), "flow_p95_ms": flow_p95,
                        "errors": dict(timings.errors), "peer_errors": dict(peer.errors), "steps": rows})
    out = {
        "patients": args.patients, "agents": args.agents, "seconds": args.seconds, "workers": args.workers,
        "load_seconds": load_s, "runs": results, "cpus": os.cpu_count(), "load_average": os.getloadavg(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    (OUT / "staff_portal.json").write_text(json.dumps(out, indent=2))
    print(f"\nraw results: {OUT / 'staff_portal.json'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
