"""The audit helper every service calls inside its transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models

from estatedesk.core import clock
from estatedesk.core.models import Event


def record(
    *,
    verb: str,
    subject: models.Model,
    actor: AbstractBaseUser | AnonymousUser | None,
    site_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    actor_label: str = "",
    at: Any = None,
) -> Event:
    """Append one Event for ``subject``. Call it in the same transaction as the change."""
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    if site_id is None:
        site_id = (
            subject.pk
            if subject._meta.label_lower == "org.site"
            else getattr(subject, "site_id", None)
        )
    label = actor_label or (_display_name(user) if user else "系统")
    return Event.objects.create(
        occurred_at=at or clock.now(),
        site_id=site_id,
        actor=user,  # type: ignore[misc]
        actor_label=label[:150],
        verb=verb,
        subject_type=subject._meta.label_lower,
        subject_id=subject.pk,
        before=before or {},
        after=after or {},
        data=data or {},
    )


def _display_name(user: Any) -> str:
    full = (user.get_full_name() or "").strip() if hasattr(user, "get_full_name") else ""
    return full or user.get_username()


def for_subject(subject: models.Model) -> models.QuerySet[Event]:
    """The subject's timeline, oldest first (uses the ``event_subject`` index)."""
    return Event.objects.filter(
        subject_type=subject._meta.label_lower, subject_id=subject.pk
    ).order_by("occurred_at", "id")
