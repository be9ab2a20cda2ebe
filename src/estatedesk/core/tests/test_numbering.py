"""Human-readable numbers stay unique when two writers ask at the same moment."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from estatedesk.core.numbering import daily_number, next_value


@pytest.mark.django_db
def test_numbers_count_up_per_key() -> None:
    assert daily_number("BS", "261123") == "BS2611230001"
    assert daily_number("BS", "261123") == "BS2611230002"
    assert daily_number("BS", "261124") == "BS2611240001"


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_get_distinct_numbers() -> None:
    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def worker() -> None:
        try:
            barrier.wait()
            for _ in range(5):
                with transaction.atomic():
                    results.append(next_value("race"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == list(range(1, 31))
