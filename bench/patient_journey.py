"""Benchmark: the patient online service ("Manage your choice") under load, on PostgreSQL.

One command (`make bench-patient`):

1. creates a scratch PostgreSQL database, migrates it and bulk-loads N patients (default 1,000,000)
   with COPY (synthetic NHS numbers from the 9xx test range, each with a mobile and an email);
2. starts `ndop serve` on it (gunicorn, the production server behind `make run`);
3. the peer, as the floor: C concurrent clients fetch the landing page and /healthz for D seconds;
4. C concurrent simulated patients walk the whole journey over HTTP for D seconds, each a different
   person: start, NHS number, date of birth, where to send the code, the code (read from the outbox
   table, as a newcomer reads it from the development page), your choice, your choice history, check,
   confirmation (or "not changed" for the choice already held); one in four reads a footer page first, one
   in five asks for a new code and uses it;
5. prints p50/p95/p99 per page, the ratio of each page's p95 to the landing page's p95, and
   journeys per second; writes the raw figures to bench/out/patient_journey.json; drops the database.

The target from issue 5: p95 under 200 ms on every page at 50 concurrent patients with 1M patients.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
JOURNEY = "/your-data-matters/"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# What the development notifier prints for each code (src/ndop/adapters/db/online.py, DEV_CODE_LINE).
DEV_CODE_LINE = "ndop dev notifier: security code for"
TARGET_P95_MS = 200.0
FOOTER_PAGES = ("/privacy", "/accessibility-statement", "/cookies", "/contact-us")


# --------------------------------------------------------------------------- data

WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def nhs_numbers(count: int, start: int = 900_000_000) -> list[str]:
    """`count` valid NHS numbers from the synthetic 9xx range (1 in 11 prefixes has no check digit)."""
    out: list[str] = []
    prefix = start
    while len(out) < count:
        nine = f"{prefix:09d}"
        check = 11 - sum(int(d) * w for d, w in zip(nine, WEIGHTS, strict=True)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            out.append(nine + str(check))
        prefix += 1
    return out


def birth_date(i: int) -> date:
    return date(1940, 1, 1) + timedelta(days=(i * 7919) % (365 * 70))  # aged about 16 to 86


def postcode(i: int) -> str:
    area = ("LS", "M", "B", "NE", "BS", "SW", "EX", "CF")[i % 8]
    n = i % 100_000
    return f"{area}{n % 99 + 1} {n % 9 + 1}{chr(65 + n % 26)}{chr(65 + (n // 26) % 26)}"


def load_patients(conninfo: str, numbers: list[str]) -> float:
    started = time.perf_counter()
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY patient (nhs_number, given_name, family_name, date_of_birth, gender, postcode, lsoa_code, "
            "gp_practice_code, mobile, email, date_of_death, superseded_by, sensitive) FROM STDIN"
        ) as copy:
            buf = io.StringIO()
            for i, number in enumerate(numbers):
                buf.write(
                    f"{number}\tGiven{i}\tFamily{i}\t{birth_date(i).isoformat()}\t{1 + i % 2}\t{postcode(i)}\t"
                    f"E0100{i % 10000:04d}\tA{i % 8000:05d}\t07{i:09d}\tp{i}@example.com\t\\N\t\tf\n"
                )
                if i % 50_000 == 49_999:
                    copy.write(buf.getvalue())
                    buf = io.StringIO()
            copy.write(buf.getvalue())
        cur.execute("ANALYZE patient")
    return time.perf_counter() - started


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def server_env(database_url: str, var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": database_url,
        "NDOP_VAR_DIR": str(var_dir),
        "NDOP_ENV": "dev",
        # All simulated patients come from one address: scale the per-address limits so that the
        # benchmark measures the pages, not the limiter refusing them. Per-NHS-number limits stand.
        "NDOP_PATIENT_RATE_SCALE": "100000",
    })
    return env


def wait_up(base: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("ndop serve exited before answering")
        try:
            if requests.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit("ndop serve did not answer in time")


# --------------------------------------------------------------------------- load


class Timings:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.journeys = 0

    def add(self, page: str, seconds: float) -> None:
        with self.lock:
            self.samples[page].append(seconds * 1000)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors[what] += 1


def timed(
    timings: Timings, page: str, call, *args, expect: int = 200, think: float = 0, **kwargs
) -> requests.Response:
    if think:
        time.sleep(random.uniform(0.5 * think, 1.5 * think))  # reading the page, typing (not timed)
    started = time.perf_counter()
    response = call(*args, allow_redirects=False, timeout=60, **kwargs)
    timings.add(page, time.perf_counter() - started)
    if response.status_code != expect:
        raise RuntimeError(f"{page}: HTTP {response.status_code}")
    return response


def token(response: requests.Response) -> str:
    found = CSRF.search(response.text)
    if found is None:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1)


class DevCodes:
    """The codes the server's development notifier prints on its standard error (the outbox keeps
    them masked, ADR 0046), read as they come; the pipe is drained so the server never blocks on it."""

    def __init__(self, stream) -> None:
        self.codes: dict[str, str] = {}
        self._changed = threading.Condition()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for raw in iter(stream.readline, b""):
            line = raw.decode(errors="replace").strip()
            if line.startswith(DEV_CODE_LINE):
                reference, code = line[len(DEV_CODE_LINE):].split()
                with self._changed:
                    self.codes[reference] = code
                    self._changed.notify_all()

    def get(self, reference: str, timeout: float = 5) -> str:
        with self._changed:
            if not self._changed.wait_for(lambda: reference in self.codes, timeout):
                raise RuntimeError("no code printed for that message")
            return self.codes.pop(reference)


DEV_CODES: DevCodes | None = None


class Outbox:
    """One connection shared by every simulated patient (the server's own connections come first)."""

    def __init__(self, conninfo: str) -> None:
        self._conn = psycopg.connect(conninfo, autocommit=True)
        self._lock = threading.Lock()

    def code_for(self, to: str) -> str:
        with self._lock:
            row = self._conn.execute(
                'SELECT reference FROM notification_outbox WHERE "to" = %s AND template = %s ORDER BY id DESC LIMIT 1',
                (to, "security_code"),
            ).fetchone()
        if row is None or DEV_CODES is None:
            raise RuntimeError("no code in the outbox")
        return DEV_CODES.get(row[0])

    def close(self) -> None:
        self._conn.close()


def journey(base: str, index: int, number: str, timings: Timings, outbox: Outbox, think: float = 0) -> None:
    s = requests.Session()
    if think:
        # gunicorn closes idle keep-alive connections after 2 s; a paused patient reconnects, as a browser does.
        s.headers["Connection"] = "close"
    b = base + JOURNEY
    get, post = s.get, s.post

    def step(page: str, call, *args, **kwargs) -> requests.Response:  # type: ignore[no-untyped-def]
        return timed(timings, page, call, *args, think=think, **kwargs)

    step("GET start", get, b)
    if index % 4 == 0:  # some read a page from the footer first (privacy notice, cookies, ...)
        step("GET footer page", get, base + FOOTER_PAGES[index // 4 % len(FOOTER_PAGES)])
    r = step("GET nhs-number", get, b + "nhs-number")
    step("POST nhs-number", post, b + "nhs-number",
          data={"csrfmiddlewaretoken": token(r), "nhs_number": number}, expect=302)
    r = step("GET date-of-birth", get, b + "date-of-birth")
    born = birth_date(index)
    r = step("POST date-of-birth", post, b + "date-of-birth", expect=302, data={
        "csrfmiddlewaretoken": token(r), "day": born.day, "month": born.month, "year": born.year})
    if not r.headers["Location"].endswith("send-code"):
        raise RuntimeError(f"match went to {r.headers['Location']}")
    r = step("GET send-code", get, b + "send-code")
    method = "sms" if index % 2 else "email"
    step("POST send-code", post, b + "send-code",
          data={"csrfmiddlewaretoken": token(r), "method": method}, expect=302)
    r = step("GET security-code", get, b + "security-code")
    to = f"07{index:09d}" if method == "sms" else f"p{index}@example.com"
    code = outbox.code_for(to)
    if index % 5 == 0:  # "Send a new code": the page says it was sent; only the newest code works (ADR 64)
        step("POST send-code/again", post, b + "send-code/again", data={"csrfmiddlewaretoken": token(r)},
             expect=302)
        r = step("GET security-code", get, b + "security-code")
        if "We have sent you a new security code" not in r.text:
            raise RuntimeError("no 'new code sent' message")
        code = outbox.code_for(to)
    r = step("POST security-code", post, b + "security-code",
              data={"csrfmiddlewaretoken": token(r), "security_code": code}, expect=302)
    if not r.headers["Location"].endswith("your-choice"):
        raise RuntimeError("code not accepted")
    r = step("GET your-choice", get, b + "your-choice")
    step("GET your-choice-history", get, b + "your-choice-history")  # issue 12: the history, read from the audit
    step("POST your-choice", post, b + "your-choice",
          data={"csrfmiddlewaretoken": token(r), "allow": "no" if index % 3 else "yes"}, expect=302)
    r = step("GET check", get, b + "check")
    r = step("POST check", post, b + "check", data={"csrfmiddlewaretoken": token(r)}, expect=302)
    # "Yes" for someone with no choice recorded is no change: nothing recorded, the "not changed" page.
    done = r.headers["Location"].rsplit("/", 1)[-1]
    if done not in ("confirmation", "not-changed"):
        raise RuntimeError(f"check went to {done}")
    step(f"GET {done}", get, b + done)
    with timings.lock:
        timings.journeys += 1


def run_patients(
    base: str, conninfo: str, numbers: list[str], users: int, seconds: float, think: float, order: list[int]
) -> tuple[Timings, float]:
    timings = Timings()
    cursor = iter(order)
    cursor_lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    outbox = Outbox(conninfo)

    def patient() -> None:
        while time.monotonic() < stop_at:
            with cursor_lock:
                index = next(cursor)
            try:
                journey(base, index, numbers[index], timings, outbox, think)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                timings.error(str(exc)[:80])

    started = time.perf_counter()
    threads = [threading.Thread(target=patient) for _ in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outbox.close()
    return timings, time.perf_counter() - started


def run_peer(base: str, users: int, seconds: float, think: float = 0) -> Timings:
    timings = Timings()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        s = requests.Session()
        if think:
            s.headers["Connection"] = "close"
        while time.monotonic() < stop_at:
            try:
                for page, path in (("GET / (landing)", "/"), ("GET /healthz", "/healthz")):
                    if think:
                        time.sleep(random.uniform(0.5 * think, 1.5 * think))
                    timed(timings, page, s.get, base + path)
            except Exception as exc:  # noqa: BLE001
                timings.error(str(exc)[:80])

    threads = [threading.Thread(target=client) for _ in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return timings


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


# --------------------------------------------------------------------------- main


def table(peer: Timings, timings: Timings) -> list[dict[str, object]]:
    floor = pct(peer.samples["GET / (landing)"], 95)
    rows: list[dict[str, object]] = []
    for page, values in list(peer.samples.items()) + list(timings.samples.items()):
        # The mean by hand: run as a script, bench/statistics.py shadows the standard library's statistics.
        rows.append({"page": page, "n": len(values), "p50_ms": pct(values, 50), "p95_ms": pct(values, 95),
                     "p99_ms": pct(values, 99), "mean_ms": sum(values) / len(values),
                     "p95_vs_landing": pct(values, 95) / floor})
    print(f"{'page':24} {'n':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'p95 / landing p95':>18}")
    for r in rows:
        print(f"{r['page']:24} {r['n']:7d} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} {r['p99_ms']:8.1f} "
              f"{r['p95_vs_landing']:18.2f}")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=50, help="concurrent simulated patients")
    parser.add_argument("--seconds", type=float, default=60, help="how long each phase runs")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes for ndop serve")
    parser.add_argument("--think", type=float, action="append",
                        help="mean seconds a patient pauses before each request; repeat for several runs "
                             "(default: 0, a closed loop with no pauses, then 2, people reading and typing)")
    parser.add_argument("--pg-url", default=os.environ.get("NDOP_BENCH_PG_URL",
                                                           "postgres://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    thinks: list[float] = args.think or [0.0, 2.0]

    name = f"ndop_bench_patient_{os.getpid()}"
    admin = args.pg_url
    url = with_db(admin, name)
    OUT.mkdir(parents=True, exist_ok=True)
    var_dir = OUT / "patient_var"
    var_dir.mkdir(exist_ok=True)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    server: subprocess.Popen[bytes] | None = None
    runs: list[tuple[float, Timings, Timings, float]] = []
    try:
        env = server_env(url, var_dir)
        print(f"Scratch database {name}: migrating ...", flush=True)
        migrate = "from ndop import container; container.setup_django(); container.migrate()"
        subprocess.run([sys.executable, "-c", migrate], env=env, check=True)
        print(f"Loading {args.patients:,} patients with COPY ...", flush=True)
        numbers = nhs_numbers(args.patients)
        load_s = load_patients(url, numbers)
        print(f"  loaded in {load_s:.1f} s", flush=True)

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        ndop = Path(sys.executable).with_name("ndop")
        server = subprocess.Popen([str(ndop), "serve", "--port", str(port), "--workers", str(args.workers)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        global DEV_CODES
        DEV_CODES = DevCodes(server.stderr)
        wait_up(base, server)
        order = list(range(len(numbers)))
        random.Random(5).shuffle(order)
        slices = [order[k :: len(thinks) + 1] for k in range(len(thinks) + 1)]  # each run its own people
        # Warm up: every worker process compiles its templates and opens its connections first.
        print("Warming up ...", flush=True)
        run_patients(base, url, numbers, min(args.users, 2 * args.workers * 4), min(args.seconds, 10), 0, slices[-1])
        run_peer(base, args.users, 2)
        for k, think in enumerate(thinks):
            print(f"Peer (think {think:g} s): landing page and /healthz, {args.users} clients, "
                  f"{args.seconds:.0f} s ...", flush=True)
            peer = run_peer(base, args.users, args.seconds, think)
            print(f"Patients (think {think:g} s): {args.users} concurrent journeys, {args.seconds:.0f} s ...",
                  flush=True)
            timings, elapsed = run_patients(base, url, numbers, args.users, args.seconds, think, slices[k])
            runs.append((think, peer, timings, elapsed))
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        if not args.keep:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    results = []
    failed = False
    for think, peer, timings, elapsed in runs:
        print()
        print(f"== {args.users} concurrent patients, think time {think:g} s, {args.patients:,} patients, "
              f"{args.workers} workers ==")
        rows = table(peer, timings)
        journey_rows = [r for r in rows if not str(r["page"]).startswith(("GET / (", "GET /healthz"))]
        worst = max(journey_rows, key=lambda r: float(r["p95_ms"])) if journey_rows else None  # type: ignore[arg-type]
        per_s = timings.journeys / elapsed
        print(f"journeys completed: {timings.journeys} in {elapsed:.1f} s = {per_s:.2f} journeys/s")
        if worst is not None:
            verdict = "meets" if float(worst["p95_ms"]) < TARGET_P95_MS else "misses"  # type: ignore[arg-type]
            print(f"slowest page p95: {worst['page']} {float(worst['p95_ms']):.1f} ms -> {verdict} the "  # type: ignore[arg-type]
                  f"{TARGET_P95_MS:.0f} ms target")
        if timings.errors or peer.errors:
            failed = True
            print(f"errors: {dict(timings.errors)} {dict(peer.errors)}")
        results.append({"think": think, "journeys": timings.journeys, "journeys_per_second": per_s,
                        "errors": dict(timings.errors), "peer_errors": dict(peer.errors), "pages": rows})
    out = {
        "patients": args.patients, "users": args.users, "seconds": args.seconds, "workers": args.workers,
        "load_seconds": load_s, "runs": results, "cpus": os.cpu_count(),
        "load_average": os.getloadavg(), "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    (OUT / "patient_journey.json").write_text(json.dumps(out, indent=2))
    print(f"\nraw results: {OUT / 'patient_journey.json'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
