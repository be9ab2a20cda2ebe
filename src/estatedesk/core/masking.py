"""Masking of personal data (phones, ID numbers) for viewers whose role may not see it."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\D")


def mask_phone(value: str | None) -> str:
    """``13812341234`` -> ``138****1234``; short numbers keep only their last 2 digits."""
    if not value:
        return ""
    raw = value.strip()
    digits = _DIGITS.sub("", raw)
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) > 2:
        return "*" * (len(digits) - 2) + digits[-2:]
    return "*" * len(digits)


def mask_id_number(value: str | None) -> str:
    """An 18-character resident ID keeps its first 4 and last 4 characters."""
    if not value:
        return ""
    raw = value.strip()
    if len(raw) <= 8:
        return "*" * len(raw)
    return f"{raw[:4]}{'*' * (len(raw) - 8)}{raw[-4:]}"


def phone_for(value: str | None, *, may_see: bool) -> str:
    return (value or "") if may_see else mask_phone(value)
