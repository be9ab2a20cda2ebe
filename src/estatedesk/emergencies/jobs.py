"""Periodic jobs of the emergencies app (run by the scheduler thread and Celery beat).

``escalate_pages`` moves every unacknowledged page past its deadline to the next level of the
chain (EM-2); ``remind_overdue_instructions`` reports leaders' instructions open past their
deadline once (EM-5). Both are idempotent and catch up after downtime.
"""

from __future__ import annotations

import datetime as dt

from estatedesk.emergencies.services import instruction_overdue_remind, page_escalate_due


def escalate_pages(*, now: dt.datetime) -> int:
    return page_escalate_due(now=now)


def remind_overdue_instructions(*, now: dt.datetime) -> int:
    return instruction_overdue_remind(now=now)


# Pages time out after minutes, so the chain is swept every 15 s (a level is paged at most
# 15 s after its predecessor's deadline).
PERIODIC = [(escalate_pages, 15), (remind_overdue_instructions, 60)]
