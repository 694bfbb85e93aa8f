"""Child of bench/trust.py: `record_choice` throughput with W writer processes on PostgreSQL.

Runs with whichever checkout's Python it is given (main before the chained history, this branch after),
so it uses only APIs both have. Usage: python bench/trust_writers.py DATABASE_URL WRITERS CHOICES_EACH
Prints one JSON line: {"choices": n, "seconds": s, "per_second": r}.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import sys
import time


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    from ndop import container

    container.setup_django()


def _numbers(count: int) -> list[str]:
    from ndop.domain.common.nhs_number import complete

    result: list[str] = []
    candidate = 900_000_000
    while len(result) < count:
        number = complete(str(candidate))
        if number is not None:
            result.append(number.digits)
        candidate += 1
    return result


def _prepare(url: str, people: int) -> list[str]:
    _setup(url)
    from datetime import date

    from ndop import container
    from ndop.domain.common.actors import Actor
    from ndop.domain.common.nhs_number import NhsNumber
    from ndop.domain.registry.patients import Gender, Patient
    from ndop.services.registry.load_patients import load_patients

    container.migrate()
    numbers = _numbers(people)
    patients = [Patient(nhs_number=NhsNumber(n), given_name="B", family_name="W", date_of_birth=date(1980, 1, 1),
                        gender=Gender.FEMALE) for n in numbers]
    load_patients(container.registry(), patients, loaded_by=Actor.system_job("bench"), source="bench")
    return numbers


def _writer(url: str, numbers: list[str], ready, go, results) -> None:  # type: ignore[no-untyped-def]
    _setup(url)
    from ndop import container
    from ndop.domain.common.actors import PATIENT_ONLINE
    from ndop.domain.common.nhs_number import NhsNumber
    from ndop.domain.registry.choices import Channel, Choice, ChoiceRequest
    from ndop.services.registry.record_choice import record_choice

    registry = container.registry()
    registry.choices.registry_version()  # connect before the clock starts
    ready.release()
    go.wait()
    start = time.perf_counter()
    for i, digits in enumerate(numbers):
        choice = Choice.OPTED_OUT if i % 2 == 0 else Choice.NOT_OPTED_OUT
        record_choice(registry, ChoiceRequest(NhsNumber(digits), choice, Channel.ONLINE), recorded_by=PATIENT_ONLINE)
    results.put((start, time.perf_counter()))


def main() -> None:
    url, writers, each = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    numbers = _prepare(url, writers * 50)
    ctx = mp.get_context("spawn")
    ready, go, results = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
    procs = []
    for w in range(writers):
        mine = [numbers[(w * 50 + i % 50)] for i in range(each)]
        procs.append(ctx.Process(target=_writer, args=(url, mine, ready, go, results)))
    for p in procs:
        p.start()
    for _ in procs:
        ready.acquire()
    go.set()
    spans = [results.get() for _ in procs]
    for p in procs:
        p.join()
    seconds = max(e for _, e in spans) - min(s for s, _ in spans)
    total = writers * each
    print(json.dumps({"choices": total, "seconds": seconds, "per_second": total / seconds}))


if __name__ == "__main__":
    main()
