"""Who may do what with owner archives, contacts, move-ins and keys (AR-3, AR-4, AR-5).

Pages and the API ask the same role groups and predicates; the object is always a Site.
"""

from __future__ import annotations

from typing import Any

import rules

from estatedesk.org import roles

# AR-3: the CS center files and consults the archives of its own site.
ARCHIVE_DESK = roles.CS_DESK
# AR-3: team leaders and above outside the CS center consult only through an accompanied grant.
GRANT_REQUESTERS = roles.LEADERS - roles.CS_DESK
# Everyone who may open an archive page at all (the desk, or a requester holding a grant).
ARCHIVE_READERS = ARCHIVE_DESK | GRANT_REQUESTERS
ACCESS_LOG_READERS = roles.MANAGERS
# AR-3: any staff member who must reach an owner asks the front desk.
CONTACT_REQUESTERS = roles.ALL_STAFF
CONTACT_HANDLERS = roles.CS_DESK
# AR-4 move-in at the CS counter.
MOVE_IN_DESK = roles.CS_DESK
# AR-5: the register is visible to staff (they borrow keys); the desk lends, takes back, hands over.
KEY_VIEWERS = roles.ALL_STAFF
KEY_KEEPERS = roles.CS_DESK


def _holds(group: frozenset[str]) -> Any:
    @rules.predicate
    def predicate(user: Any, site: Any) -> bool:
        return site is not None and roles.has_role(user, site.pk, group)

    return predicate


is_archive_desk = _holds(ARCHIVE_DESK)
is_grant_requester = _holds(GRANT_REQUESTERS) & ~is_archive_desk
is_access_log_reader = _holds(ACCESS_LOG_READERS)
is_key_keeper = _holds(KEY_KEEPERS)

rules.add_perm("archives.manage_archive", is_archive_desk)
rules.add_perm("archives.request_grant", is_grant_requester)
rules.add_perm("archives.view_access_log", is_access_log_reader)
rules.add_perm("archives.keep_keys", is_key_keeper)
