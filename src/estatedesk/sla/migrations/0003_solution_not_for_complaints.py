"""RQ-6 "proposed solution in 48 hours" does not apply to complaints: they follow their own
limits (CP-5..CP-7), as RQ-5 says of items with their own time limit. A new policy version, so
clocks already running keep theirs."""

import datetime as dt

from django.db import migrations


def exclude_complaints(apps, schema_editor):
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    SlaPolicyVersion = apps.get_model("sla", "SlaPolicyVersion")
    policy = SlaPolicy.objects.filter(site__isnull=True, clock_kind="solution").first()
    if policy is None:
        return
    conditions = dict(policy.conditions or {})
    excluded = list(conditions.get("exclude_kinds", []))
    if "complaint" in excluded:
        return
    conditions["exclude_kinds"] = [*excluded, "complaint"]
    now = dt.datetime.now(dt.UTC)
    policy.conditions = conditions
    policy.version += 1
    policy.updated_at = now
    policy.save(update_fields=["conditions", "version", "updated_at"])
    latest = SlaPolicyVersion.objects.filter(policy=policy).order_by("-version").first()
    snapshot = dict(latest.snapshot if latest else {})
    snapshot["conditions"] = conditions
    SlaPolicyVersion.objects.create(
        policy=policy,
        version=policy.version,
        snapshot=snapshot,
        changed_at=now,
        note="投诉按 CP-5..CP-7 的时限处理，不适用 RQ-6 解决方案时限",
    )


class Migration(migrations.Migration):
    dependencies = [("sla", "0002_default_policies")]

    operations = [migrations.RunPython(exclude_complaints, migrations.RunPython.noop)]
