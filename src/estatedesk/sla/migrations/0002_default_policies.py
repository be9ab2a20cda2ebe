"""Company-default SLA policies with the limits of procedures.md (RQ-5, RQ-6, RQ-8, DS-3, DS-4,
CV-2 Q). Sites change them in the admin; every change makes a new version."""

import datetime as dt

from django.db import migrations

SPECIAL = [
    "emergency_medical",
    "security_incident",
    "disaster",
    "fire",
    "public_safety",
    "accident",
    "urgent_order",
]
FIRST_RESPONSE_EVENTS = [
    "ticket.dispatch",
    "ticket.start",
    "ticket.refer",
    "ticket.answer",
    "ticket.complete",
    "ticket.note_public",
    "ticket.solution_proposed",
    "consultation.answered",
    "consultation.reply_approved",
]
DESK_WARN = ["assignee", "dispatcher"]
DESK_BREACH = ["assignee", "dispatcher", "cs_supervisor"]

DEFAULTS = [
    {
        "clock_kind": "supervisor_reply",
        "rule": "RQ-5",
        "name": "请示主管后 5 分钟内答复",
        # The receiver cannot answer and asks the CS supervisor (oral; a written consultation
        # follows its own limit, RQ-8 written).
        "start_events": ["consultation.escalated:mode=oral"],
        "meet_events": ["consultation.answered", "ticket.answer"],
        "conditions": {},
        "duration": dt.timedelta(minutes=5),
        "calendar": "24x7",
        "pausable": False,
        "warn_notify": ["cs_supervisor"],
        "breach_notify": ["cs_supervisor", "dispatcher"],
    },
    {
        "clock_kind": "first_response",
        "rule": "RQ-6",
        "name": "24 小时内首次响应",
        "start_events": ["ticket.created"],
        "meet_events": FIRST_RESPONSE_EVENTS,
        "conditions": {"exclude_kinds": [*SPECIAL, "complaint"]},
        "anchor": "received",
        "duration": dt.timedelta(hours=24),
        "calendar": "24x7",
        "warn_notify": DESK_WARN,
        "breach_notify": DESK_BREACH,
        "escalations": [{"after_minutes": 240, "notify": ["site_manager"]}],
    },
    {
        "clock_kind": "solution",
        "rule": "RQ-6",
        "name": "复杂问题 48 小时内提出解决方案",
        "start_events": ["ticket.created"],
        "meet_events": ["ticket.solution_proposed", "ticket.complete", "ticket.answer"],
        "conditions": {"is_complex": True, "exclude_kinds": SPECIAL},
        "anchor": "received",
        "duration": dt.timedelta(hours=48),
        "calendar": "24x7",
        "warn_notify": DESK_WARN,
        "breach_notify": DESK_BREACH,
        "escalations": [{"after_minutes": 1440, "notify": ["site_manager"]}],
    },
    {
        "clock_kind": "consult_oral",
        "rule": "RQ-8",
        "name": "口头咨询请示主管后 2 小时内答复住户",
        "start_events": ["consultation.escalated:mode=oral"],
        "meet_events": ["ticket.answer", "ticket.complete"],
        "conditions": {},
        "duration": dt.timedelta(hours=2),
        "calendar": "24x7",
        "pausable": False,
        "warn_notify": ["dispatcher"],
        "breach_notify": ["cs_supervisor", "dispatcher"],
    },
    {
        "clock_kind": "consult_written",
        "rule": "RQ-8",
        "name": "书面咨询 2 个工作日内书面答复",
        "start_events": ["consultation.written_registered"],
        "meet_events": ["consultation.reply_approved", "ticket.answer"],
        "conditions": {},
        "deadline_rule": "working_days",
        "working_days": 2,
        "calendar": "working",
        "pausable": False,
        "warn_notify": ["cs_supervisor"],
        "breach_notify": ["cs_supervisor", "site_manager"],
    },
    {
        "clock_kind": "followup_first",
        "rule": "DS-3",
        "name": "立项 2 小时后首次跟进",
        "start_events": ["ticket.dispatch"],
        "meet_events": ["followup.recorded:which=ds3", "ticket.complete", "ticket.answer"],
        "conditions": {},
        "duration": dt.timedelta(hours=2),
        "calendar": "24x7",
        "warn_notify": ["dispatcher"],
        "breach_notify": ["dispatcher", "cs_supervisor"],
    },
    {
        "clock_kind": "followup_second",
        "rule": "DS-4",
        "name": "下班前第二次跟进",
        "start_events": ["ticket.dispatch"],
        "meet_events": ["followup.recorded:which=ds4", "ticket.complete", "ticket.answer"],
        "conditions": {},
        "deadline_rule": "end_of_working_day",
        "calendar": "working",
        "pausable": False,
        "warn_notify": ["dispatcher"],
        # DS-4: nothing arranged by the end of the day -> the site manager is told, recorded.
        "breach_notify": ["site_manager", "dispatcher"],
    },
    {
        "clock_kind": "external_commitment",
        "rule": "CV-2",
        "name": "外部单位（Q）承诺时间内上门或答复",
        "start_events": ["ticket.refer"],
        "meet_events": ["referral.reported", "ticket.complete"],
        "conditions": {"data_present": ["external_party_id"]},
        "deadline_rule": "external_committed",
        "duration": dt.timedelta(hours=24),
        "calendar": "24x7",
        "pausable": False,
        "warn_notify": ["dispatcher"],
        "breach_notify": ["dispatcher", "cs_supervisor"],
    },
]

FIELD_DEFAULTS = {
    "conditions": {},
    "anchor": "event",
    "deadline_rule": "duration",
    "calendar": "24x7",
    "duration": None,
    "working_days": None,
    "warn_ratio": 0.8,
    "pausable": True,
    "warn_notify": [],
    "breach_notify": [],
    "breach_exception": True,
    "breach_hooks": [],
    "escalations": [],
    "is_active": True,
}


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    SlaPolicyVersion = apps.get_model("sla", "SlaPolicyVersion")
    now = dt.datetime.now(dt.UTC)
    for spec in DEFAULTS:
        fields = {**FIELD_DEFAULTS, **spec}
        if SlaPolicy.objects.filter(site__isnull=True, clock_kind=fields["clock_kind"]).exists():
            continue
        policy = SlaPolicy.objects.create(site=None, version=1, updated_at=now, **fields)
        snapshot = {k: v for k, v in fields.items() if k != "duration"}
        snapshot["site_id"] = None
        snapshot["duration_seconds"] = (
            int(fields["duration"].total_seconds()) if fields["duration"] else None
        )
        SlaPolicyVersion.objects.create(
            policy=policy, version=1, snapshot=snapshot, changed_at=now, note="procedures.md"
        )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
