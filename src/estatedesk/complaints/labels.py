"""How the complaint cycle's and the CAPA report's audit events read on a timeline. One table,
imported by the complaint pages and by the tickets timeline (a complaint's events are
recorded on its ticket)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

EVENT_LABELS: dict[str, Any] = {
    "complaint.received": _("投诉受理"),
    "complaint.linked": _("关联同一事项的投诉"),
    "complaint.upgraded": _("自动升级为重大投诉"),
    "complaint.form_signed": _("部门签收意见表"),
    "complaint.reported": _("上报领导"),
    "complaint.answered": _("明确答复投诉人"),
    "complaint.extension_requested": _("申请延期"),
    "complaint.extended": _("批准延期"),
    "complaint.extension_rejected": _("驳回延期"),
    "complaint.handled": _("登记处理情况"),
    "complaint.form_returned": _("收回意见表"),
    "complaint.complainant_told": _("告知投诉人"),
    "complaint.visited": _("回访"),
    "complaint.closed": _("投诉销项"),
    "capa.filed": _("提交纠正与预防措施"),
    "capa.implemented": _("纠正与预防措施已实施"),
    "capa.closed": _("品质部验证关闭"),
    "capa.returned": _("品质部退回整改"),
}
