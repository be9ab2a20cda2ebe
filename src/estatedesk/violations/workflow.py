"""The case workflow: state x action -> new state. Services check it before every change and
pages render their buttons from it (together with the rules predicates)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from estatedesk.core.errors import TransitionNotAllowed
from estatedesk.violations.enums import CaseState


class Action(models.TextChoices):
    MEASURE = "measure", _("记录措施")
    DECIDE = "decide", _("决定处罚")
    ISSUE = "issue", _("签发文书")
    EXECUTE = "execute", _("执行停水停电")
    EVIDENCE = "evidence", _("上传证据")
    UPGRADE = "upgrade", _("升级为重大违章")
    RESOLVE = "resolve", _("办结")


_R, _H, _D = CaseState.REGISTERED, CaseState.HANDLING, CaseState.RESOLVED

TRANSITIONS: dict[tuple[str, str], str] = {
    (_R, Action.MEASURE): _H,
    (_H, Action.MEASURE): _H,
    (_R, Action.DECIDE): _H,
    (_H, Action.DECIDE): _H,
    (_R, Action.ISSUE): _R,
    (_H, Action.ISSUE): _H,
    (_H, Action.EXECUTE): _H,
    (_R, Action.EVIDENCE): _R,
    (_H, Action.EVIDENCE): _H,
    (_R, Action.UPGRADE): _R,
    (_H, Action.UPGRADE): _H,
    (_R, Action.RESOLVE): _D,
    (_H, Action.RESOLVE): _D,
}


def next_state(state: str, action: str) -> str:
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise TransitionNotAllowed() from None


def allowed(state: str, action: str) -> bool:
    return (state, action) in TRANSITIONS
