"""Domain errors. Every service raises a subclass of DeskError; the API and pages translate it
in one place into a JSON ``{"code", "detail"}`` answer or a form/page message."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class DeskError(Exception):
    code = "error"
    status = 400
    default_detail: Any = _("操作无法完成。")

    def __init__(self, detail: Any = None, *, code: str | None = None, **extra: Any) -> None:
        self.detail = str(detail if detail is not None else self.default_detail)
        if code:
            self.code = code
        self.extra = extra
        super().__init__(self.detail)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "detail": self.detail, **self.extra}


class ValidationFailed(DeskError):
    code = "invalid"
    status = 400
    default_detail = _("输入有误。")


class PermissionDenied(DeskError):
    code = "forbidden"
    status = 403
    default_detail = _("您没有执行此操作的权限。")


class NotFound(DeskError):
    code = "not_found"
    status = 404
    default_detail = _("未找到，或您无权查看。")


class Conflict(DeskError):
    """Someone else changed the record first (compare-and-set lost)."""

    code = "conflict"
    status = 409
    default_detail = _("该记录已被他人修改，请刷新后重试。")


class TransitionNotAllowed(DeskError):
    code = "transition_not_allowed"
    status = 409
    default_detail = _("当前状态下不能执行此操作。")
