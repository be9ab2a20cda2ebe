"""The accounts the workloads use, on a benchmark database (run by ``bench.run`` through
``python -m bench.prepare``, with that database's environment); prints JSON.

- the site whose dispatcher board is longest (the busiest queue);
- a bearer token (``org.services.api_token_create``) for each of its 8 CS-desk staff
  (assistants, dispatchers, supervisor, manager): 8 API clients, each its own person;
- a signed-in session for one dispatcher (the board page) and for the general manager, who
  holds a role at every site (the company-wide reports), made as Django's login makes one;
- the site's units and departments, for the tickets W1 registers.
"""

from __future__ import annotations

import json
import os


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "estatedesk.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.models import Count

    from estatedesk.core.benchdata import COMPANY_CODE
    from estatedesk.org import roles
    from estatedesk.org.enums import DepartmentKind, Role
    from estatedesk.org.models import Department, Membership, Site, Unit
    from estatedesk.org.services import api_token_create
    from estatedesk.tickets.enums import ACTIVE_STATES

    site = (
        Site.objects.filter(company__code=COMPANY_CODE)
        .annotate(
            open=Count("tickets", filter=django.db.models.Q(tickets__state__in=ACTIVE_STATES))
        )
        .order_by("-open", "pk")
        .first()
    )
    if site is None:
        raise SystemExit(f"no company {COMPANY_CODE}: generate the data first")
    desk = list(
        Membership.objects.filter(site=site, role__in=roles.CS_DESK, is_active=True)
        .select_related("user")
        .order_by("role", "user_id")
    )
    tokens = []
    for membership in desk:
        _token, raw = api_token_create(user=membership.user, name="bench", actor=membership.user)
        tokens.append({"user": membership.user.username, "role": membership.role, "token": raw})

    def session(user: object) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)  # type: ignore[attr-defined]
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()  # type: ignore[attr-defined]
        store.create()
        assert store.session_key is not None
        return store.session_key

    dispatcher = next(m.user for m in desk if m.role == Role.DISPATCHER)
    gm = Membership.objects.filter(site=site, role=Role.GM).select_related("user").first()
    if gm is None:
        raise SystemExit("no general manager in the benchmark company")
    engineering = Department.objects.get(site=site, kind=DepartmentKind.ENGINEERING)
    print(
        json.dumps(
            {
                "site_id": site.pk,
                "site_code": site.code,
                "open_tickets": site.open,  # type: ignore[attr-defined]
                "sites": Site.objects.filter(company__code=COMPANY_CODE).count(),
                "tokens": tokens,
                "cookie_name": settings.SESSION_COOKIE_NAME,
                "dispatcher_session": session(dispatcher),
                "dispatcher_token": next(t["token"] for t in tokens if t["role"] == "dispatcher"),
                "gm_session": session(gm.user),
                "unit_ids": list(
                    Unit.objects.filter(site=site).order_by("pk").values_list("pk", flat=True)[:500]
                ),
                "department_id": engineering.pk,
            }
        )
    )


if __name__ == "__main__":
    main()
