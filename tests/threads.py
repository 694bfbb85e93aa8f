"""Work on real threads released together, each with its own database connection: the one helper for
every test of what happens when requests or writers arrive at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def on_threads(count: int, work: Callable[[int], object]) -> list[object]:
    """`work(i)` on `count` threads released together by a barrier; the results, in thread order. Any
    exception in a thread fails the test, listed."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    return results


def at_once(count: int, work: Callable[[], object]) -> list[object]:
    """The same `work()` on `count` threads at once."""
    return on_threads(count, lambda _i: work())
