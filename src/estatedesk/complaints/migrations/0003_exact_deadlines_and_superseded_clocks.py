"""The complaint clocks fall due exactly when they should and superseded ones are not "met".

- CP-5 minor with the resident's reasonable deadline and CP-7 after an approved extension:
  ``external_committed`` counted whole hours from the event, so the clock fell due up to 59
  minutes after the given time. They now use the SLA rule ``event_time``: due at the time the
  event carries in ``due_at`` (``complaints.clocks.event_data``, ``services.extension_decide``).
- An upgrade (CP-3) or an approved extension (CP-7) replaces the running handling clock (and an
  upgrade the 2-hour report to the area manager, CP-5). Those clocks were ended through their
  meet events, so the timeliness rate (DS-9) counted them as met; the events are now cancel
  events: the clock gets ``cancelled_at`` and is left out.

Every policy of these kinds (company default or a site's own) whose settings still follow the
old way gets a new version and snapshot, so clocks already running keep theirs.
"""

import datetime as dt

from django.db import migrations

UPGRADED = "complaint.upgraded"
EXTENDED = "complaint.extended"
SUPERSEDING = (UPGRADED, EXTENDED)
# Kinds whose clock runs to a time the event gives (CP-5 minor with a deadline, CP-7 extended).
GIVEN_TIME_KINDS = ("complaint_deadline_minor", "complaint_handling_extended")
SUPERSEDED_KINDS = (
    "complaint_report_area",
    "complaint_handling_minor",
    "complaint_deadline_minor",
    "complaint_handling_important",
    "complaint_handling_extended",
)
NOTE = "截止时间按事件给出的时间（不再取整到小时）；升级、延期后被取代的时限记为取消而非达成"


def _snapshot(policy):
    """The body of a SlaPolicyVersion, as ``sla.policy.snapshot`` writes it today."""
    return {
        "site_id": policy.site_id,
        "clock_kind": policy.clock_kind,
        "rule": policy.rule,
        "name": policy.name,
        "start_events": list(policy.start_events or []),
        "meet_events": list(policy.meet_events or []),
        "cancel_events": list(policy.cancel_events or []),
        "conditions": dict(policy.conditions or {}),
        "anchor": policy.anchor,
        "deadline_rule": policy.deadline_rule,
        "calendar": policy.calendar,
        "duration_seconds": int(policy.duration.total_seconds()) if policy.duration else None,
        "working_days": policy.working_days,
        "due_at_key": policy.due_at_key,
        "warn_ratio": policy.warn_ratio,
        "pausable": policy.pausable,
        "warn_notify": list(policy.warn_notify or []),
        "breach_notify": list(policy.breach_notify or []),
        "breach_exception": policy.breach_exception,
        "breach_hooks": list(policy.breach_hooks or []),
        "escalations": list(policy.escalations or []),
        "is_active": policy.is_active,
    }


def switch(apps, schema_editor):
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    SlaPolicyVersion = apps.get_model("sla", "SlaPolicyVersion")
    now = dt.datetime.now(dt.UTC)
    for policy in SlaPolicy.objects.filter(clock_kind__in=SUPERSEDED_KINDS).order_by("pk"):
        changed = []
        meet = list(policy.meet_events or [])
        moved = [verb for verb in meet if verb in SUPERSEDING]
        if moved:
            policy.meet_events = [verb for verb in meet if verb not in SUPERSEDING]
            cancel = list(policy.cancel_events or [])
            policy.cancel_events = cancel + [verb for verb in moved if verb not in cancel]
            changed += ["meet_events", "cancel_events"]
        if policy.clock_kind in GIVEN_TIME_KINDS and policy.deadline_rule == "external_committed":
            policy.deadline_rule = "event_time"
            policy.due_at_key = "due_at"
            changed += ["deadline_rule", "due_at_key"]
        if not changed:
            continue
        policy.version += 1
        policy.updated_at = now
        policy.save(update_fields=[*changed, "version", "updated_at"])
        SlaPolicyVersion.objects.create(
            policy=policy,
            version=policy.version,
            snapshot=_snapshot(policy),
            changed_at=now,
            note=NOTE,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0002_complaint_policies"),
        ("sla", "0004_event_time_and_cancel_events"),
    ]

    operations = [migrations.RunPython(switch, migrations.RunPython.noop)]
