import pytest

from estatedesk.core import events
from estatedesk.core.models import AppendOnlyError, Event

pytestmark = pytest.mark.django_db


def test_event_records_actor_and_subject(site, make_staff) -> None:
    user = make_staff(site, "dispatcher")
    event = events.record(verb="org.test", subject=site, actor=user, after={"x": 1})
    assert (event.site_id, event.actor_id, event.subject_type) == (site.pk, user.pk, "org.site")
    assert list(events.for_subject(site)) == [event]


def test_events_are_append_only(site) -> None:
    event = events.record(verb="org.test", subject=site, actor=None)
    assert event.actor_label == "系统"
    event.verb = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert Event.objects.get(pk=event.pk).verb == "org.test"
