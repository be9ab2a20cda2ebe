"""Who may open each page and call each API operation: the role matrix's declared table.

Keys are URL names (``namespace:name``) for pages and ``METHOD /path`` for API operations, as
listed by the resolver walk and the OpenAPI schema; ``test_role_matrix`` fails on a URL without
an entry here. Values are the roles (org.enums.Role values, at the URL's site) that may be let
in (an answer 2xx, or a redirect that is not to a login page), plus:

- ``RESIDENT`` (signed in through the portal; object URLs use a ticket and unit of theirs) and
  ``OTHER_RESIDENT`` (a resident of another unit of the same site);
- staff of another site are never let into an object of this site; on a page without an object
  they are the site manager of their own site and follow ``Role.SITE_MANAGER``'s entry;
- anonymous only where the entry says ``EVERYONE``.

The admin (``admin:*``) is for superusers only: none of these principals (login and logout pages
excepted). Written from the procedures' role groups (org.roles) and checked against the answers
of the running code; ``KNOWN_FINDINGS`` lists where the code lets in more than this table.
"""

from __future__ import annotations

from estatedesk.org import roles
from estatedesk.org.enums import Role

RESIDENT = "resident"
OTHER_RESIDENT = "resident_other_unit"
ANONYMOUS = "anonymous"

NOBODY: frozenset[str] = frozenset()
ALL_STAFF = frozenset(roles.ALL_STAFF)
CS_DESK = frozenset(roles.CS_DESK)
DISPATCHERS = frozenset(roles.DISPATCHERS)
SUPERVISORS = frozenset(roles.SUPERVISORS)
MANAGERS = frozenset(roles.MANAGERS)
EXECUTIVES = frozenset(roles.EXECUTIVES)
LEADERS = frozenset(roles.LEADERS)
WORKERS = frozenset(roles.WORKERS)
OWN_RESIDENT = frozenset({RESIDENT})
RESIDENTS = frozenset({RESIDENT, OTHER_RESIDENT})
EVERYONE = ALL_STAFF | RESIDENTS | {ANONYMOUS}

ADMIN = NOBODY
ADMIN_PUBLIC = {"admin:login": EVERYONE, "admin:logout": EVERYONE}

ACCESS: dict[str, frozenset[str]] = {
    "GET /api/v1/archives/contacts": ALL_STAFF,
    "GET /api/v1/archives/grants": ALL_STAFF,
    "GET /api/v1/archives/keys": ALL_STAFF,
    "GET /api/v1/archives/units/{unit_id}/documents": CS_DESK,
    "GET /api/v1/complaints/": ALL_STAFF,
    "GET /api/v1/complaints/{complaint_id}": ALL_STAFF,
    "GET /api/v1/dispatch/board": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_ASSISTANT,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.DISPATCHER,
            Role.GM,
            Role.SITE_MANAGER,
        }
    ),
    "GET /api/v1/dispatch/tickets/{ticket_id}/followups": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_ASSISTANT,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.DISPATCHER,
            Role.GM,
            Role.SITE_MANAGER,
        }
    ),
    "GET /api/v1/duty/handover/status": NOBODY,
    "GET /api/v1/duty/log": NOBODY,
    "GET /api/v1/duty/on-call": NOBODY,
    "GET /api/v1/duty/on-duty": NOBODY,
    "GET /api/v1/duty/roster": NOBODY,
    "GET /api/v1/emergencies/cases": ALL_STAFF,
    "GET /api/v1/emergencies/cases/{case_id}": ALL_STAFF,
    "GET /api/v1/notify/": ALL_STAFF,
    "GET /api/v1/notify/unread-count": ALL_STAFF,
    "GET /api/v1/org/me": ALL_STAFF | RESIDENTS,
    "GET /api/v1/reports/dashboard": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.GM,
            Role.QUALITY,
            Role.SITE_MANAGER,
        }
    ),
    "GET /api/v1/reports/exceptions": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.GM,
            Role.QUALITY,
            Role.SITE_MANAGER,
        }
    ),
    "GET /api/v1/sla/policies": NOBODY,
    "GET /api/v1/sla/tickets/{ticket_id}/clocks": ALL_STAFF,
    "GET /api/v1/sla/timeliness": NOBODY,
    "GET /api/v1/tickets/": ALL_STAFF | RESIDENTS,
    "GET /api/v1/tickets/{ticket_id}": ALL_STAFF | OWN_RESIDENT,
    "GET /api/v1/tickets/{ticket_id}/actions": ALL_STAFF | OWN_RESIDENT,
    "GET /api/v1/tickets/{ticket_id}/attachments": ALL_STAFF | OWN_RESIDENT,
    "GET /api/v1/tickets/{ticket_id}/events": ALL_STAFF | OWN_RESIDENT,
    "GET /api/v1/tickets/{ticket_id}/notes": ALL_STAFF | OWN_RESIDENT,
    "GET /api/v1/violations/cases": ALL_STAFF,
    "GET /api/v1/violations/cases/{pk}": ALL_STAFF,
    "PATCH /api/v1/tickets/{ticket_id}": CS_DESK,
    "POST /api/v1/archives/contacts": ALL_STAFF,
    "POST /api/v1/archives/grants": frozenset(
        {Role.AREA_MANAGER, Role.DEPT_HEAD, Role.DEPUTY_GM, Role.GM}
    ),
    "POST /api/v1/archives/grants/{grant_id}/close": NOBODY,
    "POST /api/v1/archives/grants/{grant_id}/open": NOBODY,
    "POST /api/v1/archives/keys/{key_id}/lend": NOBODY,
    "POST /api/v1/archives/keys/{key_id}/return": NOBODY,
    "POST /api/v1/complaints/": NOBODY,
    "POST /api/v1/complaints/capa/{capa_id}/implement": NOBODY,
    "POST /api/v1/complaints/capa/{capa_id}/verify": NOBODY,
    "POST /api/v1/complaints/extensions/{extension_id}/decide": NOBODY,
    "POST /api/v1/complaints/{complaint_id}/answer": NOBODY,
    "POST /api/v1/complaints/{complaint_id}/capa": NOBODY,
    "POST /api/v1/complaints/{complaint_id}/close": NOBODY,
    "POST /api/v1/complaints/{complaint_id}/extensions": NOBODY,
    "POST /api/v1/complaints/{complaint_id}/form-return": NOBODY,
    "POST /api/v1/complaints/{complaint_id}/handling": NOBODY,
    "POST /api/v1/complaints/{complaint_id}/report": NOBODY,
    "POST /api/v1/complaints/{complaint_id}/return-visit": NOBODY,
    "POST /api/v1/complaints/{complaint_id}/sign": NOBODY,
    "POST /api/v1/complaints/{complaint_id}/tell": NOBODY,
    "POST /api/v1/dispatch/tickets/{ticket_id}/followups": NOBODY,
    "POST /api/v1/duty/log": NOBODY,
    "POST /api/v1/duty/log/{entry_id}/close": CS_DESK,
    "POST /api/v1/duty/log/{entry_id}/correct": CS_DESK,
    "POST /api/v1/emergencies/cases": NOBODY,
    "POST /api/v1/emergencies/cases/{case_id}/instructions": NOBODY,
    "POST /api/v1/emergencies/cases/{case_id}/report-up": NOBODY,
    "POST /api/v1/emergencies/cases/{case_id}/responders": NOBODY,
    "POST /api/v1/emergencies/cases/{case_id}/settle": NOBODY,
    "POST /api/v1/emergencies/cases/{case_id}/sign-off": NOBODY,
    "POST /api/v1/emergencies/cases/{case_id}/steps/{step_id}": NOBODY,
    "POST /api/v1/emergencies/cases/{case_id}/take-over": NOBODY,
    "POST /api/v1/emergencies/pages/{page_id}/acknowledge": NOBODY,
    "POST /api/v1/emergencies/responders/{responder_id}/status": NOBODY,
    "POST /api/v1/notify/read-all": ALL_STAFF,
    "POST /api/v1/notify/{notification_id}/read": frozenset({Role.CS_ASSISTANT}),
    "POST /api/v1/tickets/": NOBODY,
    "POST /api/v1/tickets/{ticket_id}/actions/{action}": CS_DESK,
    "POST /api/v1/tickets/{ticket_id}/attachments": NOBODY,
    "POST /api/v1/tickets/{ticket_id}/notes": NOBODY,
    "POST /api/v1/tickets/{ticket_id}/rating": NOBODY,
    "POST /api/v1/triage/suggest": ALL_STAFF,
    "POST /api/v1/triage/suggestions/{suggestion_id}/confirm": NOBODY,
    "POST /api/v1/violations/cases": NOBODY,
    "POST /api/v1/violations/cases/{pk}/decisions": NOBODY,
    "POST /api/v1/violations/cases/{pk}/measures": NOBODY,
    "POST /api/v1/violations/cases/{pk}/resolve": SUPERVISORS,
    "POST /api/v1/violations/cases/{pk}/upgrade": NOBODY,
    "archives:access_log": MANAGERS,
    "archives:contact_log": CS_DESK,
    "archives:contact_new": ALL_STAFF,
    "archives:contacts": ALL_STAFF,
    "archives:document": CS_DESK,
    "archives:document_image": CS_DESK,
    "archives:document_pdf": NOBODY,
    "archives:grant_cancel": frozenset(
        {
            Role.CS_ASSISTANT,
            Role.CS_SUPERVISOR,
            Role.DISPATCHER,
            Role.SITE_MANAGER,
            Role.TEAM_LEADER,
        }
    ),
    "archives:grant_close": frozenset(
        {
            Role.CS_ASSISTANT,
            Role.CS_SUPERVISOR,
            Role.DISPATCHER,
            Role.SITE_MANAGER,
            Role.TEAM_LEADER,
        }
    ),
    "archives:grant_open": CS_DESK,
    "archives:grant_refuse": CS_DESK,
    "archives:grant_request": frozenset(
        {Role.AREA_MANAGER, Role.DEPT_HEAD, Role.DEPUTY_GM, Role.GM, Role.TEAM_LEADER}
    ),
    "archives:grants": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_ASSISTANT,
            Role.CS_SUPERVISOR,
            Role.DEPT_HEAD,
            Role.DEPUTY_GM,
            Role.DISPATCHER,
            Role.GM,
            Role.SITE_MANAGER,
            Role.TEAM_LEADER,
        }
    ),
    "archives:index": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_ASSISTANT,
            Role.CS_SUPERVISOR,
            Role.DEPT_HEAD,
            Role.DEPUTY_GM,
            Role.DISPATCHER,
            Role.GM,
            Role.SITE_MANAGER,
            Role.TEAM_LEADER,
        }
    ),
    "archives:key_hand_over": CS_DESK,
    "archives:key_lend": CS_DESK,
    "archives:key_new": CS_DESK,
    "archives:key_record": ALL_STAFF,
    "archives:key_return": CS_DESK,
    "archives:keys": ALL_STAFF,
    "archives:move_in": NOBODY,
    "archives:move_in_complete": NOBODY,
    "archives:move_in_item_add": NOBODY,
    "archives:move_in_item_sign": NOBODY,
    "archives:move_in_start": CS_DESK,
    "archives:move_ins": CS_DESK,
    "archives:replace": CS_DESK,
    "archives:signature": NOBODY,
    "archives:unit": CS_DESK,
    "archives:upload": CS_DESK,
    "complaints:act": NOBODY,
    "complaints:capa": NOBODY,
    "complaints:capa_list": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_SUPERVISOR,
            Role.DEPT_HEAD,
            Role.DEPUTY_GM,
            Role.GM,
            Role.QUALITY,
            Role.SITE_MANAGER,
            Role.TEAM_LEADER,
        }
    ),
    "complaints:detail": ALL_STAFF,
    "complaints:extension_decide": NOBODY,
    "complaints:form_print": ALL_STAFF,
    "complaints:list": ALL_STAFF,
    "complaints:monthly_detail": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.DISPATCHER,
            Role.GM,
            Role.QUALITY,
            Role.SITE_MANAGER,
        }
    ),
    "complaints:monthly_list": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.DISPATCHER,
            Role.GM,
            Role.QUALITY,
            Role.SITE_MANAGER,
        }
    ),
    "complaints:monthly_print": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.DISPATCHER,
            Role.GM,
            Role.QUALITY,
            Role.SITE_MANAGER,
        }
    ),
    "complaints:monthly_step": NOBODY,
    "complaints:new": CS_DESK,
    "complaints:record_print": ALL_STAFF,
    "complaints:weekly_check": NOBODY,
    "complaints:weekly_detail": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.GM,
            Role.QUALITY,
            Role.SITE_MANAGER,
        }
    ),
    "complaints:weekly_list": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.GM,
            Role.QUALITY,
            Role.SITE_MANAGER,
        }
    ),
    "dispatch:board": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_ASSISTANT,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.DISPATCHER,
            Role.GM,
            Role.SITE_MANAGER,
        }
    ),
    "dispatch:followup": DISPATCHERS,
    "dispatch:item_assess": NOBODY,
    "dispatch:item_confirm": NOBODY,
    "dispatch:review": NOBODY,
    "dispatch:review_complete": NOBODY,
    "dispatch:review_open": DISPATCHERS,
    "dispatch:reviews": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.DISPATCHER,
            Role.GM,
            Role.SITE_MANAGER,
        }
    ),
    "duty:change": NOBODY,
    "duty:change_request": frozenset({Role.DISPATCHER}),
    "duty:changes": ALL_STAFF,
    "duty:entry": CS_DESK,
    "duty:handover": NOBODY,
    "duty:handover_home": CS_DESK,
    "duty:log": CS_DESK,
    "duty:oncall": ALL_STAFF,
    "duty:oncall_remove": SUPERVISORS,
    "duty:print_handover": NOBODY,
    "duty:print_log": CS_DESK,
    "duty:print_roster": ALL_STAFF,
    "duty:roster": ALL_STAFF,
    "duty:roster_assign": SUPERVISORS,
    "duty:roster_fill": SUPERVISORS,
    "duty:roster_publish": SUPERVISORS,
    "duty:roster_unassign": SUPERVISORS,
    "duty:signoff": SUPERVISORS,
    "duty:signoff_day": SUPERVISORS,
    "emergencies:ack_link": NOBODY,
    "emergencies:detail": ALL_STAFF,
    "emergencies:instruction": NOBODY,
    "emergencies:list": ALL_STAFF,
    "emergencies:live": ALL_STAFF,
    "emergencies:new": CS_DESK,
    "emergencies:page_ack": ALL_STAFF,
    "emergencies:page_ack_phone": CS_DESK,
    "emergencies:report_up": SUPERVISORS,
    "emergencies:responder_status": ALL_STAFF,
    "emergencies:responders": NOBODY,
    "emergencies:settle": NOBODY,
    "emergencies:sign_off": NOBODY,
    "emergencies:step": CS_DESK,
    "emergencies:take_over": CS_DESK,
    "emergencies:timeline": ALL_STAFF,
    "notify:bell": ALL_STAFF,
    "notify:inbox": ALL_STAFF,
    "notify:mark_all_read": ALL_STAFF,
    "notify:mark_read": frozenset({Role.CS_ASSISTANT}),
    "notify:open": frozenset({Role.CS_ASSISTANT}),
    "notify:preferences": ALL_STAFF,
    "portal:confirm": OWN_RESIDENT,
    "portal:home": RESIDENTS,
    "portal:login": EVERYONE,
    "portal:login_code": NOBODY,
    "portal:logout": NOBODY,
    "portal:photos": OWN_RESIDENT,
    "portal:quote_confirm": OWN_RESIDENT,
    "portal:rate": OWN_RESIDENT,
    "portal:reopen": OWN_RESIDENT,
    "portal:report": RESIDENTS,
    "portal:suggestions": RESIDENTS,
    "portal:ticket": OWN_RESIDENT,
    "reports:archive_create": SUPERVISORS,
    "reports:archive_download": NOBODY,
    "reports:dashboard": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.GM,
            Role.QUALITY,
            Role.SITE_MANAGER,
        }
    ),
    "reports:exception_fill": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.GM,
            Role.QUALITY,
            Role.SITE_MANAGER,
        }
    ),
    "reports:exceptions": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.GM,
            Role.QUALITY,
            Role.SITE_MANAGER,
        }
    ),
    "reports:exceptions_export": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.GM,
            Role.QUALITY,
            Role.SITE_MANAGER,
        }
    ),
    "reports:export": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.GM,
            Role.QUALITY,
            Role.SITE_MANAGER,
        }
    ),
    "reports:kpi_drill": NOBODY,
    "reports:kpis": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.GM,
            Role.QUALITY,
            Role.SITE_MANAGER,
        }
    ),
    "reports:kpis_export": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.GM,
            Role.QUALITY,
            Role.SITE_MANAGER,
        }
    ),
    "reports:legal_hold": frozenset(
        {Role.AREA_MANAGER, Role.DEPUTY_GM, Role.GM, Role.QUALITY, Role.SITE_MANAGER}
    ),
    "reports:pack": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.GM,
            Role.QUALITY,
            Role.SITE_MANAGER,
        }
    ),
    "reports:records": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.GM,
            Role.QUALITY,
            Role.SITE_MANAGER,
        }
    ),
    "reports:survey": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.GM,
            Role.QUALITY,
            Role.SITE_MANAGER,
        }
    ),
    "reports:survey_action": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.GM,
            Role.QUALITY,
            Role.SITE_MANAGER,
        }
    ),
    "reports:survey_answer": RESIDENTS,
    "reports:survey_new": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.GM,
            Role.QUALITY,
            Role.SITE_MANAGER,
        }
    ),
    "reports:survey_question_add": NOBODY,
    "reports:survey_question_remove": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.GM,
            Role.QUALITY,
            Role.SITE_MANAGER,
        }
    ),
    "reports:survey_resident": RESIDENTS,
    "reports:surveys": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.GM,
            Role.QUALITY,
            Role.SITE_MANAGER,
        }
    ),
    "reports:training": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.GM,
            Role.QUALITY,
            Role.SITE_MANAGER,
        }
    ),
    "reports:training_detail": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.GM,
            Role.QUALITY,
            Role.SITE_MANAGER,
        }
    ),
    "reports:training_new": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.GM,
            Role.QUALITY,
            Role.SITE_MANAGER,
        }
    ),
    "set_language": EVERYONE,
    "tickets:act": ALL_STAFF,
    "tickets:attachment": NOBODY,
    "tickets:call_done": CS_DESK,
    "tickets:callback_done": SUPERVISORS,
    "tickets:callbacks": SUPERVISORS,
    "tickets:calls": CS_DESK,
    "tickets:calls_print": CS_DESK,
    "tickets:charges": frozenset({Role.CS_SUPERVISOR, Role.FINANCE, Role.SITE_MANAGER}),
    "tickets:charges_xlsx": frozenset({Role.CS_SUPERVISOR, Role.FINANCE, Role.SITE_MANAGER}),
    "tickets:consultation": ALL_STAFF,
    "tickets:detail": ALL_STAFF,
    "tickets:edit": ALL_STAFF,
    "tickets:feedback": ALL_STAFF,
    "tickets:incident_join": ALL_STAFF,
    "tickets:incident_leave": ALL_STAFF,
    "tickets:intake_emergency": CS_DESK,
    "tickets:letter": NOBODY,
    "tickets:list": ALL_STAFF,
    "tickets:lookup": CS_DESK,
    "tickets:new": CS_DESK,
    "tickets:note": ALL_STAFF,
    "tickets:paid": ALL_STAFF,
    "tickets:referral_report": NOBODY,
    "tickets:register": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_ASSISTANT,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.DISPATCHER,
            Role.GM,
            Role.QUALITY,
            Role.SITE_MANAGER,
        }
    ),
    "tickets:register_xlsx": frozenset(
        {
            Role.AREA_MANAGER,
            Role.CS_ASSISTANT,
            Role.CS_SUPERVISOR,
            Role.DEPUTY_GM,
            Role.DISPATCHER,
            Role.GM,
            Role.QUALITY,
            Role.SITE_MANAGER,
        }
    ),
    "tickets:slip": NOBODY,
    "tickets:suggest": CS_DESK,
    "tickets:suggestion_reply": CS_DESK,
    "tickets:suggestions": CS_DESK,
    "tickets:upload": ALL_STAFF,
    "triage:index": SUPERVISORS,
    "violations:case_create": CS_DESK,
    "violations:case_detail": ALL_STAFF,
    "violations:case_list": ALL_STAFF,
    "violations:case_resolve": NOBODY,
    "violations:case_upgrade": NOBODY,
    "violations:cutoff_execute": CS_DESK,
    "violations:cutoff_visit": CS_DESK,
    "violations:document_add": NOBODY,
    "violations:document_print": ALL_STAFF,
    "violations:evidence_file": ALL_STAFF,
    "violations:evidence_upload": NOBODY,
    "violations:finance": frozenset({Role.CS_SUPERVISOR, Role.FINANCE, Role.SITE_MANAGER}),
    "violations:finance_download": NOBODY,
    "violations:measure_add": NOBODY,
    "violations:penalty_add": NOBODY,
    "violations:register": ALL_STAFF,
    "violations:settings": frozenset({Role.SITE_MANAGER}),
    "violations:task_done": CS_DESK,
    "violations:unit_residents": CS_DESK,
    "web:api_token_revoke": ALL_STAFF,  # own tokens only: the service filters by user
    "web:api_tokens": ALL_STAFF,
    "web:home": ALL_STAFF | RESIDENTS,
    "web:import_template": SUPERVISORS,
    "web:import_units": SUPERVISORS,
    "web:login": EVERYONE,
    "web:logout": NOBODY,
}

# (principal, key) -> what is wrong, where, and the fix. Each is a strict xfail test; empty
# while the code matches the table.
KNOWN_FINDINGS: dict[tuple[str, str], str] = {}
