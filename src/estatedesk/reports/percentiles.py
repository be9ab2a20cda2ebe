"""Median and 90th percentile of a column, computed in the database where it can.

PostgreSQL: ``percentile_cont(p) WITHIN GROUP (ORDER BY column)``, grouped, in one query.
SQLite has no such aggregate: the values (at most ``SAMPLE_LIMIT`` of them) are read and
interpolated the same way (linear between the two nearest ranks, like percentile_cont), so both
databases give equal figures. The caller bounds the set: above ``SAMPLE_LIMIT`` tickets it
passes a sample (``figures._sampled``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, FloatField, QuerySet

SAMPLE_LIMIT = 50_000
POINTS = (0.5, 0.9)
ALL = "__all__"


class PercentileCont(Aggregate):
    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        super().__init__(expression, fraction=float(fraction), **extra)


def interpolate(values: Sequence[float], fraction: float) -> float | None:
    """percentile_cont of sorted ``values``."""
    if not values:
        return None
    rank = fraction * (len(values) - 1)
    low = math.floor(rank)
    high = math.ceil(rank)
    return values[low] + (values[high] - values[low]) * (rank - low)


def percentiles(
    qs: QuerySet[Any],
    field: str,
    *,
    group: str | None = None,
    points: Sequence[float] = POINTS,
) -> dict[Any, dict[str, Any]]:
    """``{group value (or ALL): {"n": count, "p50": .., "p90": ..}}`` of ``field`` over ``qs``
    (rows with a value only). One query."""
    qs = qs.filter(**{f"{field}__isnull": False}).order_by()
    keys = [f"p{round(p * 100)}" for p in points]
    result: dict[Any, dict[str, Any]] = {}
    if connection.vendor == "postgresql":
        aggregates = {
            key: PercentileCont(field, fraction=p) for key, p in zip(keys, points, strict=True)
        }
        if group:
            for row in qs.values(group).annotate(n=Count("pk"), **aggregates):
                result[row[group]] = {"n": row["n"], **{k: row[k] for k in keys}}
        else:
            row = qs.aggregate(n=Count("pk"), **aggregates)
            result[ALL] = {"n": row["n"], **{k: row[k] for k in keys}}
        return result
    values: dict[Any, list[float]] = defaultdict(list)
    fields = (group, field) if group else (field,)
    for found in qs.values_list(*fields)[:SAMPLE_LIMIT]:
        values[found[0] if group else ALL].append(float(found[-1]))
    for key, found_values in values.items():
        found_values.sort()
        result[key] = {
            "n": len(found_values),
            **{k: interpolate(found_values, p) for k, p in zip(keys, points, strict=True)},
        }
    if not group and ALL not in result:
        result[ALL] = {"n": 0, **dict.fromkeys(keys)}
    return result
