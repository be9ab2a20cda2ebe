"""Named actions other apps add to a clock's breach (e.g. a complaint upgrading itself to major
after a month, CP-3). A policy lists hook names in ``breach_hooks``; an app registers its
function from its ``AppConfig.ready``. Hooks run inside the sweep's transaction for the clock,
once, after the breach row is written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from estatedesk.sla.models import Clock

BreachHook = Callable[["Clock", dt.datetime], None]

_HOOKS: dict[str, BreachHook] = {}


def register(name: str) -> Callable[[BreachHook], BreachHook]:
    def decorator(func: BreachHook) -> BreachHook:
        _HOOKS[name] = func
        return func

    return decorator


def is_registered(name: str) -> bool:
    return name in _HOOKS


def get(name: str) -> BreachHook | None:
    return _HOOKS.get(name)
