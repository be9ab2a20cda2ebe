"""The complaint clocks: their kinds (seeded as SLA policies by migration 0002) and the event
data the policies' conditions read.

The sla app starts, meets and cancels clocks from ``complaint.*`` events (``sla.services.
clocks_on_event``); the conditions match the data built here: ``severity``, ``validity``,
``scope``, ``deadline`` (``given``/``none``) and ``return_visit`` (``yes``/``no``), with
``due_at`` (ISO time) for a clock due at a given time (policy rule ``event_time``, migration
0003): the resident's reasonable deadline (CP-5) or an approved extension (CP-7).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from estatedesk.complaints.models import Complaint

FORM_SIGN = "complaint_form_sign"  # CP-6
REPORT_MANAGER = "complaint_report_manager"  # CP-5 major
REPORT_AREA = "complaint_report_area"  # CP-5 important
HANDLING_MINOR = "complaint_handling_minor"  # CP-7 minor
DEADLINE_MINOR = "complaint_deadline_minor"  # CP-5 minor with the resident's deadline
HANDLING_IMPORTANT = "complaint_handling_important"  # CP-7 important
ANSWER_MAJOR = "complaint_answer_major"  # CP-7 major: clear answer
HANDLING_MAJOR = "complaint_handling_major"  # CP-7 major: resolved
HANDLING_EXTENDED = "complaint_handling_extended"  # CP-7 approved extension
FORM_RETURN = "complaint_form_return"  # CP-8
TELL = "complaint_tell"  # CP-8
RETURN_VISIT = "complaint_return_visit"  # CP-9

ALL_KINDS = (
    FORM_SIGN,
    REPORT_MANAGER,
    REPORT_AREA,
    HANDLING_MINOR,
    DEADLINE_MINOR,
    HANDLING_IMPORTANT,
    ANSWER_MAJOR,
    HANDLING_MAJOR,
    HANDLING_EXTENDED,
    FORM_RETURN,
    TELL,
    RETURN_VISIT,
)
# The clock that says by when the complaint must be resolved (one runs at a time).
HANDLING_KINDS = (
    HANDLING_MINOR,
    DEADLINE_MINOR,
    HANDLING_IMPORTANT,
    HANDLING_MAJOR,
    HANDLING_EXTENDED,
)
# These events replace the running handling clock (and an upgrade the report to the area
# manager) by another commitment: since migration 0003 they are the policies' cancel events.
# Clocks ended before that were "met" by them; the statistics leave those out of the
# timeliness rate (DS-9) too.
SUPERSEDING_EVENTS = ("complaint.upgraded", "complaint.extended")
# The event data key of a given due time (the policies' ``due_at_key``).
DUE_AT = "due_at"


def event_data(complaint: Complaint, *, at: dt.datetime) -> dict[str, Any]:
    """What the complaint policies' conditions match on, for an event at ``at``.

    The resident's reasonable deadline goes in as the exact due time (CP-5); ``at`` does not
    change the data any more (the time is absolute) and stays for the callers' sake.
    """
    data: dict[str, Any] = {
        "severity": complaint.severity,
        "validity": complaint.validity,
        "scope": complaint.scope,
        "deadline": "given" if complaint.reasonable_deadline else "none",
        "return_visit": "yes" if complaint.needs_return_visit else "no",
    }
    if complaint.reasonable_deadline is not None:
        data[DUE_AT] = complaint.reasonable_deadline.isoformat()
    return data
