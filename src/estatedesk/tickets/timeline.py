"""The ticket timeline, read from its audit events (RQ-13: complete from receipt to close).

Staff see every event; the resident portal shows only the public ones (RQ-9), never internal
notes, and never a confidential answer (RQ-8)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from estatedesk.complaints.labels import EVENT_LABELS as COMPLAINT_LABELS
from estatedesk.core import clock
from estatedesk.core.models import Event
from estatedesk.tickets.enums import CancelKind, ReferralKind, TicketKind

LATE_ENTRY = dt.timedelta(minutes=10)  # a call logged later than this after it came in

LABELS: dict[str, Any] = {
    "ticket.created": _("受理登记"),
    "ticket.dispatch": _("派工"),
    "ticket.reassign": _("改派"),
    "ticket.start": _("开始处理"),
    "ticket.wait_resident": _("等待住户"),
    "ticket.resume": _("继续处理"),
    "ticket.refer": _("转介"),
    "ticket.complete": _("报完工"),
    "ticket.answer": _("答复"),
    "ticket.close": _("确认销项"),
    "ticket.reopen": _("重新处理"),
    "ticket.cancel": _("作废"),
    "ticket.note_public": _("进展通报"),
    "ticket.note_internal": _("内部记录"),
    "ticket.solution_proposed": _("提出解决方案"),
    "ticket.attachment_added": _("上传附件"),
    "ticket.updated": _("修改登记信息"),
    "ticket.rated": _("住户评价"),
    "ticket.resident_confirmed": _("住户确认完成"),
    "consultation.escalated": _("请示主管"),
    "consultation.answered": _("主管答复"),
    "consultation.written_registered": _("书面咨询登记"),
    "consultation.reply_drafted": _("拟写书面答复"),
    "consultation.reply_approved": _("主管审批书面答复"),
    "paid.quoted": _("报价"),
    "paid.confirmed": _("确认报价"),
    "referral.reported": _("责任方反馈"),
    "referral.chased": _("催办责任方"),
    "callback.opened": _("差评回访任务"),
    "callback.done": _("完成回访"),
    "ticket.joined_incident": _("并入事件"),
    "ticket.left_incident": _("移出事件"),
    "ticket.incident_report_added": _("同一事件又有报事"),
    "ticket.emergency_flagged": _("识别为紧急情况"),
    # Written on the ticket by the SLA sweep and the dispatch app (they keep no labels).
    "clock.warned": _("即将超时提醒"),
    "clock.breached": _("超时"),
    "clock.escalated": _("超时升级"),
    "followup.recorded": _("跟进催办"),
    "followup.manager_notified": _("未安排，已报告经理"),
    "review.approach_confirmed": _("周检讨：经理确认新的处理办法"),
    # The complaint cycle and its corrective action are recorded on the complaint's ticket.
    **COMPLAINT_LABELS,
}

ICONS = {
    "ticket.created": "telephone-inbound",
    "ticket.dispatch": "send",
    "ticket.reassign": "arrow-left-right",
    "ticket.start": "tools",
    "ticket.wait_resident": "pause-circle",
    "ticket.resume": "play-circle",
    "ticket.refer": "box-arrow-up-right",
    "ticket.complete": "check2-circle",
    "ticket.answer": "chat-left-text",
    "ticket.close": "patch-check",
    "ticket.reopen": "arrow-counterclockwise",
    "ticket.cancel": "x-circle",
    "ticket.note_public": "megaphone",
    "ticket.note_internal": "lock",
    "ticket.solution_proposed": "lightbulb",
    "ticket.attachment_added": "paperclip",
    "ticket.rated": "star",
    "paid.quoted": "currency-yen",
}

# What the resident may see (RQ-9); everything else is internal.
RESIDENT_VERBS = frozenset(
    {
        "ticket.created",
        "ticket.dispatch",
        "ticket.start",
        "ticket.wait_resident",
        "ticket.resume",
        "ticket.refer",
        "ticket.complete",
        "ticket.answer",
        "ticket.close",
        "ticket.reopen",
        "ticket.cancel",
        "ticket.note_public",
        "ticket.solution_proposed",
        "ticket.rated",
        "ticket.resident_confirmed",
        "paid.quoted",
        "paid.confirmed",
        "referral.reported",
    }
)


@dataclass(frozen=True)
class Entry:
    at: Any
    actor: str
    label: str
    text: str
    icon: str
    verb: str


def _staff_text(verb: str, data: dict[str, Any], event: Event) -> str:
    if verb == "ticket.created":
        kind = TicketKind(data["kind"]).label if data.get("kind") in TicketKind.values else ""
        text = f"{kind} {data.get('number', '')}".strip()
        received = parse_datetime(str(data.get("received_at") or ""))
        if received is not None and event.occurred_at - received > LATE_ENTRY:
            text += str(
                _("（补登，受理时间 %(t)s）") % {"t": f"{clock.localtime(received):%m-%d %H:%M}"}
            )
        return text
    if verb in {"ticket.dispatch", "ticket.reassign"}:
        text = " / ".join(p for p in [data.get("department"), data.get("assignee")] if p)
        extra = data.get("reason") or data.get("note")
        return f"{text}{'：' + extra if extra else ''}"
    if verb == "ticket.refer":
        referral_kind = str(data.get("referral_kind") or "")
        label = ReferralKind(referral_kind).label if referral_kind in ReferralKind.values else ""
        engineer = f"（{data['engineer']}）" if data.get("engineer") else ""
        return f"{label} → {data.get('party', '')}{engineer} {data.get('note') or ''}".strip()
    if verb == "ticket.complete":
        parts = [data.get("note") or ""]
        if data.get("materials"):
            parts.append(str(_("材料：")) + data["materials"])
        if data.get("charge"):
            parts.append(str(_("收费：¥")) + data["charge"])
        if data.get("slip"):
            parts.append(str(_("服务单 ")) + data["slip"])
        return "；".join(p for p in parts if p)
    if verb == "ticket.answer":
        return str(data.get("answer") or "")
    if verb == "ticket.cancel":
        cancel_kind = str(data.get("kind") or "")
        label = CancelKind(cancel_kind).label if cancel_kind in CancelKind.values else ""
        return f"{label}：{data.get('reason', '')}"
    if verb in {"ticket.note_public", "ticket.note_internal", "ticket.solution_proposed"}:
        return str(data.get("body") or "")
    if verb == "ticket.attachment_added":
        return "、".join(data.get("names") or [])
    if verb == "ticket.updated":
        return "、".join(sorted(event.after))
    if verb == "ticket.rated":
        return f"{'★' * int(data.get('rating') or 0)} {data.get('comment') or ''}".strip()
    if verb == "paid.quoted":
        return f"{data.get('item')} × {data.get('quantity')} = ¥{data.get('amount')}"
    if verb == "paid.confirmed":
        return f"¥{data.get('amount')}"
    if verb in {"consultation.escalated"}:
        return str(data.get("question") or "")
    if verb in {"consultation.answered", "callback.done"}:
        return str(data.get("answer") or data.get("outcome") or "")
    if verb == "consultation.reply_drafted":
        return str(data.get("text") or "")[:200]
    if verb in {"referral.reported", "referral.chased"}:
        return f"{data.get('party', '')} {data.get('report') or ''}".strip()
    if verb == "ticket.close" and data.get("slip"):
        return str(_("服务单 %(n)s 已签收") % {"n": data["slip"]})
    if verb in {"ticket.joined_incident", "ticket.left_incident", "ticket.incident_report_added"}:
        return str(data.get("number") or "")
    if verb == "ticket.emergency_flagged":
        return f"{data.get('label', '')}（“{data.get('phrase', '')}”）"
    return str(data.get("reason") or data.get("note") or "")


def _resident_text(verb: str, data: dict[str, Any], confidential: bool) -> str:
    if verb == "ticket.dispatch":
        return str(data.get("department") or "")
    if verb == "ticket.refer":
        return str(data.get("party") or "")
    if verb == "ticket.answer":
        return str(_("答复内容请联系客服中心。")) if confidential else str(data.get("answer") or "")
    if verb == "ticket.complete":
        return str(data.get("note") or "")
    if verb in {"ticket.note_public", "ticket.solution_proposed"}:
        return str(data.get("body") or "")
    if verb == "ticket.wait_resident":
        return str(data.get("reason") or "")
    if verb == "ticket.rated":
        return f"{'★' * int(data.get('rating') or 0)} {data.get('comment') or ''}".strip()
    if verb == "paid.quoted":
        return f"{data.get('item')} × {data.get('quantity')} = ¥{data.get('amount')}"
    if verb == "ticket.reopen":
        return str(data.get("reason") or "")
    if verb == "referral.reported":
        return str(data.get("report") or "")
    return ""


def _label(verb: str) -> str:
    """The verb's label: the tickets' own and the complaints' above, then the emergency
    case's (EM-2..EM-5, recorded on its ticket; read when needed, as the emergencies app
    builds its timeline on this module), else the verb itself."""
    label = LABELS.get(verb)
    if label is None and verb.startswith("emergency."):
        from estatedesk.emergencies.selectors import LABELS as EMERGENCY_LABELS

        label = EMERGENCY_LABELS.get(verb)
    return str(label if label is not None else verb)


def entries(events: Iterable[Event], *, for_resident: bool, confidential: bool) -> list[Entry]:
    result = []
    for event in events:
        if for_resident and event.verb not in RESIDENT_VERBS:
            continue
        data = event.data or {}
        if for_resident:
            text = _resident_text(event.verb, data, confidential)
            actor = "" if event.verb == "ticket.rated" else str(_("物业服务中心"))
        else:
            text = _staff_text(event.verb, data, event)
            actor = event.actor_label
        result.append(
            Entry(
                at=event.occurred_at,
                actor=actor,
                label=_label(event.verb),
                text=text,
                icon=ICONS.get(event.verb, "dot"),
                verb=event.verb,
            )
        )
    return result
