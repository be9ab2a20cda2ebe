"""Find a named module (``urls``, ``api``, ``jobs``, ``demo``, ``nav``) in every estatedesk app.

Each feature folder contributes its pages, API router, jobs, demo data and menu entries by
having the module; nothing central has to be edited when an app grows a capability.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from django.apps import apps


def estatedesk_apps() -> list[str]:
    return [
        config.name for config in apps.get_app_configs() if config.name.startswith("estatedesk.")
    ]


def app_modules(module_name: str) -> list[tuple[str, ModuleType]]:
    """``[(app_label, module)]`` in INSTALLED_APPS order, for apps that have ``module_name``."""
    found = []
    for app_name in estatedesk_apps():
        dotted = f"{app_name}.{module_name}"
        if importlib.util.find_spec(dotted) is not None:
            found.append((app_name.rsplit(".", 1)[1], importlib.import_module(dotted)))
    return found
