"""The demo data of the archives app: documents, keys (one overdue), requests; idempotent."""

from __future__ import annotations

import pytest

from estatedesk.archives import demo
from estatedesk.archives.enums import KeyState
from estatedesk.archives.models import AccessGrant, ArchiveDocument, ContactRequest, Key, KeyLoan
from estatedesk.core import clock
from estatedesk.org.demo import seed_organisation

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent():
    site = seed_organisation()
    lines = demo.seed(site=site)
    assert len(lines) == 5
    counts = (
        ArchiveDocument.objects.count(),
        Key.objects.count(),
        KeyLoan.objects.count(),
        AccessGrant.objects.count(),
        ContactRequest.objects.count(),
    )
    assert counts == (6, 3, 1, 1, 1)
    loan = KeyLoan.objects.get()
    assert loan.key.state == KeyState.LENT and loan.due_at < clock.now()
    assert demo.seed(site=site) == []
    assert (
        ArchiveDocument.objects.count(),
        Key.objects.count(),
        KeyLoan.objects.count(),
        AccessGrant.objects.count(),
        ContactRequest.objects.count(),
    ) == counts
