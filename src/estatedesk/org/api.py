"""Organisation API: who am I, my sites."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from estatedesk.org import roles
from estatedesk.org.models import Site

router = Router(tags=["org"])


class SiteRoles(Schema):
    id: int
    code: str
    name: str
    roles: list[str]


class Me(Schema):
    username: str
    name: str
    sites: list[SiteRoles]


@router.get("/me", response=Me, summary="The calling user and their roles per site")
def me(request: HttpRequest) -> Me:
    by_site = roles.roles_by_site(request.user)
    sites = Site.objects.filter(pk__in=by_site).order_by("code")
    return Me(
        username=request.user.get_username(),
        name=request.user.get_full_name(),  # type: ignore[union-attr]
        sites=[
            SiteRoles(id=s.pk, code=s.code, name=s.name, roles=sorted(by_site[s.pk])) for s in sites
        ],
    )
