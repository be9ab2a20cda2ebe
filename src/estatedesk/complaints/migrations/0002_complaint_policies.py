"""Company-default SLA policies of the complaint clocks, with the limits of procedures.md
(CP-5, CP-6, CP-7, CP-8, CP-9). The sla app starts and meets them from the ``complaint.*``
events the complaint services emit; conditions read the event data built by
``complaints.clocks.event_data``. Sites change them in the admin; every change is versioned."""

import datetime as dt

from django.db import migrations

VALID_PROPERTY = {"validity": "valid", "scope": "property"}
HANDLED = "complaint.handled"
UPGRADED = "complaint.upgraded"
EXTENDED = "complaint.extended"

DEFAULTS = [
    {
        "clock_kind": "complaint_form_sign",
        "rule": "CP-6",
        "name": "投诉意见表 15 分钟内送达被投诉部门并签收",
        "start_events": ["complaint.received"],
        "meet_events": ["complaint.form_signed"],
        "conditions": {"data": VALID_PROPERTY},
        "duration": dt.timedelta(minutes=15),
        "calendar": "working",
        "pausable": False,
        "warn_notify": ["dispatcher"],
        "breach_notify": ["dispatcher", "cs_supervisor"],
    },
    {
        "clock_kind": "complaint_report_manager",
        "rule": "CP-5",
        "name": "重大投诉当日报告管理处经理",
        "start_events": ["complaint.received", UPGRADED],
        "meet_events": ["complaint.reported"],
        "conditions": {"data": {"validity": "valid", "severity": "major"}},
        "deadline_rule": "end_of_working_day",
        "calendar": "working",
        "pausable": False,
        "warn_notify": ["cs_supervisor"],
        "breach_notify": ["cs_supervisor", "site_manager"],
    },
    {
        "clock_kind": "complaint_report_area",
        "rule": "CP-5",
        "name": "重要投诉 2 小时内报告区域经理",
        "start_events": ["complaint.received"],
        "meet_events": ["complaint.reported", UPGRADED],
        "conditions": {"data": {"validity": "valid", "severity": "important"}},
        "duration": dt.timedelta(hours=2),
        "calendar": "working",
        "pausable": False,
        "warn_notify": ["cs_supervisor"],
        "breach_notify": ["cs_supervisor", "site_manager"],
    },
    {
        "clock_kind": "complaint_handling_minor",
        "rule": "CP-7",
        "name": "轻微投诉 2 天内处理完毕",
        "start_events": ["complaint.received"],
        "meet_events": [HANDLED, UPGRADED, EXTENDED],
        "conditions": {"data": {**VALID_PROPERTY, "severity": "minor", "deadline": "none"}},
        "deadline_rule": "working_days",
        "working_days": 2,
        "calendar": "working",
        "warn_notify": ["assignee", "dispatcher"],
        "breach_notify": ["assignee", "dispatcher", "cs_supervisor"],
    },
    {
        "clock_kind": "complaint_deadline_minor",
        "rule": "CP-5",
        "name": "轻微投诉在住户提出的合理期限内解决",
        "start_events": ["complaint.received"],
        "meet_events": [HANDLED, UPGRADED, EXTENDED],
        "conditions": {"data": {**VALID_PROPERTY, "severity": "minor", "deadline": "given"}},
        # due at the resident's deadline: the event carries the hours to it
        "deadline_rule": "external_committed",
        "duration": dt.timedelta(hours=48),
        "calendar": "24x7",
        "warn_notify": ["assignee", "dispatcher"],
        "breach_notify": ["assignee", "dispatcher", "cs_supervisor"],
    },
    {
        "clock_kind": "complaint_handling_important",
        "rule": "CP-7",
        "name": "重要投诉 3 天内处理完毕",
        "start_events": ["complaint.received"],
        "meet_events": [HANDLED, UPGRADED, EXTENDED],
        "conditions": {"data": {**VALID_PROPERTY, "severity": "important"}},
        "deadline_rule": "working_days",
        "working_days": 3,
        "calendar": "working",
        "warn_notify": ["assignee", "dispatcher"],
        "breach_notify": ["assignee", "cs_supervisor", "site_manager"],
    },
    {
        "clock_kind": "complaint_answer_major",
        "rule": "CP-7",
        "name": "重大投诉 2 天内给投诉人明确答复",
        "start_events": ["complaint.received", UPGRADED],
        "meet_events": ["complaint.answered", "complaint.complainant_told"],
        "conditions": {"data": {**VALID_PROPERTY, "severity": "major"}},
        "deadline_rule": "working_days",
        "working_days": 2,
        "calendar": "working",
        "pausable": False,
        "warn_notify": ["cs_supervisor"],
        "breach_notify": ["cs_supervisor", "site_manager"],
    },
    {
        "clock_kind": "complaint_handling_major",
        "rule": "CP-7",
        "name": "重大投诉 10 天内解决",
        "start_events": ["complaint.received", UPGRADED],
        "meet_events": [HANDLED],
        "conditions": {"data": {**VALID_PROPERTY, "severity": "major"}},
        "deadline_rule": "working_days",
        "working_days": 10,
        "calendar": "working",
        "warn_notify": ["assignee", "cs_supervisor"],
        "breach_notify": ["assignee", "cs_supervisor", "site_manager", "area_manager"],
    },
    {
        "clock_kind": "complaint_handling_extended",
        "rule": "CP-7",
        "name": "批准延期后的处理期限",
        "start_events": [EXTENDED],
        "meet_events": [HANDLED, UPGRADED, EXTENDED],
        "conditions": {"data": VALID_PROPERTY},
        # due at the approved time: the event carries the hours to it
        "deadline_rule": "external_committed",
        "duration": dt.timedelta(hours=24),
        "calendar": "24x7",
        "warn_notify": ["assignee", "dispatcher"],
        "breach_notify": ["assignee", "cs_supervisor", "site_manager"],
    },
    {
        "clock_kind": "complaint_form_return",
        "rule": "CP-8",
        "name": "处理完毕当日交回投诉意见表",
        "start_events": [HANDLED],
        "meet_events": ["complaint.form_returned"],
        "conditions": {"data": VALID_PROPERTY},
        "deadline_rule": "end_of_working_day",
        "calendar": "working",
        "pausable": False,
        "warn_notify": ["dispatcher"],
        "breach_notify": ["dispatcher", "cs_supervisor"],
    },
    {
        "clock_kind": "complaint_tell",
        "rule": "CP-8",
        "name": "处理完毕当日告知投诉人",
        "start_events": [HANDLED],
        "meet_events": ["complaint.complainant_told"],
        "conditions": {"data": VALID_PROPERTY},
        "deadline_rule": "end_of_working_day",
        "calendar": "working",
        "pausable": False,
        "warn_notify": ["receiver", "dispatcher"],
        "breach_notify": ["receiver", "dispatcher", "cs_supervisor"],
    },
    {
        "clock_kind": "complaint_return_visit",
        "rule": "CP-9",
        "name": "重大、重要投诉处理后回访",
        "start_events": ["complaint.complainant_told"],
        "meet_events": ["complaint.visited"],
        "conditions": {"data": {"validity": "valid", "return_visit": "yes"}},
        "deadline_rule": "working_days",
        "working_days": 3,
        "calendar": "working",
        "pausable": False,
        "warn_notify": ["cs_supervisor"],
        "breach_notify": ["cs_supervisor", "site_manager"],
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


def unseed(apps, schema_editor):
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    kinds = [spec["clock_kind"] for spec in DEFAULTS]
    SlaPolicy.objects.filter(site__isnull=True, clock_kind__in=kinds, clocks__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial"), ("sla", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
