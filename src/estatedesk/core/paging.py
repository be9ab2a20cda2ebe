"""Bounds of the API's paging (offset, limit, page). A value past any list answers an empty
page or a 422, never a database error: PostgreSQL cannot bind an OFFSET beyond 64 bits, and
the fuzzer (tests/security/test_fuzz_api.py, `make fuzz`) sends such values."""

from __future__ import annotations

from ninja import Field
from ninja.pagination import LimitOffsetPagination, PageNumberPagination

MAX_OFFSET = 1_000_000_000
MAX_PAGE = 10_000_000
MAX_LIMIT = 200


def OffsetField() -> int:
    """``offset: int = OffsetField()``: 0 by default, 422 past MAX_OFFSET."""
    value: int = Field(0, ge=0, le=MAX_OFFSET)
    return value


def clamp_offset(offset: int) -> int:
    """For an ``offset`` taken as a plain parameter: within 0..MAX_OFFSET."""
    return min(max(0, offset), MAX_OFFSET)


class BoundedLimitOffset(LimitOffsetPagination):
    """django-ninja's limit/offset paging with limit and offset bounded (ninja leaves the
    limit unbounded, and offset + limit must stay bindable)."""

    class Input(LimitOffsetPagination.Input):
        limit: int = Field(100, ge=1, le=MAX_LIMIT)
        offset: int = OffsetField()


class BoundedPageNumber(PageNumberPagination):
    """django-ninja's page-number paging with the page bounded (page x size stays bindable)."""

    class Input(PageNumberPagination.Input):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=MAX_LIMIT)
