"""RP-6: the yearly satisfaction survey - questions per site, SMS invitations, one answer per
household through the resident's sign-in, response rate and results by building."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from estatedesk.core.errors import Conflict, ValidationFailed
from estatedesk.core.models import Event
from estatedesk.notify.models import Notification
from estatedesk.org.enums import Relation
from estatedesk.org.models import Occupancy
from estatedesk.org.tests.factories import BuildingFactory, ResidentFactory, UnitFactory
from estatedesk.reports import jobs, selectors, services
from estatedesk.reports.enums import SurveyState
from estatedesk.reports.models import Survey, SurveyAnswer, SurveyResponse
from estatedesk.reports.tests.conftest import at

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 2, 10, 0)


@pytest.fixture(autouse=True)
def _now() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def homes(site: Any) -> dict[str, Any]:
    """Two buildings: A with three lived-in units, B with one; one empty unit in B."""
    a = BuildingFactory(site=site, name="A栋", sort_order=1)
    b = BuildingFactory(site=site, name="B栋", sort_order=2)
    units = {
        "a1": UnitFactory(building=a, number="101"),
        "a2": UnitFactory(building=a, number="102"),
        "a3": UnitFactory(building=a, number="103"),
        "b1": UnitFactory(building=b, number="101"),
        "b_empty": UnitFactory(building=b, number="102"),
    }
    residents = {}
    for key in ("a1", "a2", "a3", "b1"):
        resident = ResidentFactory(site=site, unit=units[key])
        resident.user = get_user_model().objects.create_user(f"r-{key}", password="x-pass-12345")
        resident.save()
        residents[key] = resident
    return {"units": units, "residents": residents}


@pytest.fixture
def survey(site: Any, people: dict[str, Any]) -> Survey:
    supervisor = people["supervisor"]
    made = services.survey_create(
        site=site,
        year=2026,
        title="2026 年度住户满意度调查",
        intro="每户一份",
        closes_on=dt.date(2026, 11, 30),
        actor=supervisor,
    )
    services.survey_question_add(survey=made, text="维修及时吗？", kind="rating", actor=supervisor)
    services.survey_question_add(survey=made, text="保洁满意吗？", kind="rating", actor=supervisor)
    services.survey_question_add(
        survey=made, text="最希望改进", kind="choice", choices=["维修", "保洁"], actor=supervisor
    )
    services.survey_question_add(
        survey=made, text="其他意见", kind="text", required=False, actor=supervisor
    )
    return services.survey_transition(
        survey=made, action="open", version=made.version, actor=supervisor
    )


def _answers(survey: Survey, *values: Any) -> dict[int, Any]:
    questions = list(survey.questions.order_by("position"))
    return {q.pk: v for q, v in zip(questions, values, strict=False)}


def _answer(survey: Survey, resident: Any, unit: Any, *values: Any) -> SurveyResponse:
    return services.survey_response_submit(
        survey=survey,
        resident=resident,
        unit_id=unit.pk,
        answers=_answers(survey, *values),
        actor=resident.user,
    )


def test_results_by_building_with_response_rate_and_averages_rp6(survey, homes):
    units, residents = homes["units"], homes["residents"]
    _answer(survey, residents["a1"], units["a1"], "5", "4", "维修", "很好")
    _answer(survey, residents["a2"], units["a2"], "3", "2", "保洁", "")
    _answer(survey, residents["b1"], units["b1"], "4", "4", "维修", "")
    results = selectors.survey_results(survey)
    assert (results["households"], results["responses"], results["rate"]) == (4, 3, 75.0)
    assert [
        (b["name"], b["households"], b["responses"], b["rate"], b["averages"])
        for b in results["buildings"]
    ] == [
        ("A栋", 3, 2, 66.7, [4.0, 3.0]),
        ("B栋", 1, 1, 100.0, [4.0, 4.0]),
    ]
    assert results["overall"] == [4.0, 3.33]
    ((_question, counts),) = results["choices"]
    assert counts == [("维修", 2), ("保洁", 1)]
    assert [a.text for a in results["comments"]] == ["很好"]


def test_one_answer_per_household_the_second_member_is_refused_rp6(site, survey, homes):
    units, residents = homes["units"], homes["residents"]
    _answer(survey, residents["a1"], units["a1"], "5", "5", "维修")
    spouse = ResidentFactory(site=site, unit=units["a1"])
    with pytest.raises(Conflict):
        _answer(survey, spouse, units["a1"], "1", "1", "保洁")
    assert SurveyResponse.objects.filter(survey=survey).count() == 1
    assert SurveyAnswer.objects.filter(response__survey=survey).count() == 3


def test_answers_are_checked_and_nothing_is_saved_on_bad_input_rp6(survey, homes):
    units, residents = homes["units"], homes["residents"]
    with pytest.raises(ValidationFailed):
        _answer(survey, residents["a1"], units["a1"], "6", "5", "维修")
    with pytest.raises(ValidationFailed):
        _answer(survey, residents["a1"], units["a1"], "5", "", "维修")  # required
    with pytest.raises(ValidationFailed):
        _answer(survey, residents["a1"], units["a1"], "5", "5", "绿化")  # not a choice
    with pytest.raises(ValidationFailed):
        _answer(survey, residents["a1"], units["b1"], "5", "5", "维修")  # not their home
    assert not SurveyResponse.objects.exists()


def test_a_closed_or_draft_survey_takes_no_answers_rp6(site, survey, homes, people):
    units, residents = homes["units"], homes["residents"]
    services.survey_transition(
        survey=survey, action="close", version=survey.version, actor=people["manager"]
    )
    with pytest.raises(ValidationFailed):
        _answer(survey, residents["a1"], units["a1"], "5", "5", "维修")
    draft = services.survey_create(
        site=site,
        year=2026,
        title="草稿",
        intro="",
        closes_on=dt.date(2026, 12, 1),
        actor=people["manager"],
    )
    assert list(selectors.open_surveys_for(residents["a1"])) == []
    assert draft.state == SurveyState.DRAFT


def test_questions_are_fixed_once_open_and_a_survey_opens_only_with_questions(site, survey, people):
    with pytest.raises(ValidationFailed):
        services.survey_question_add(
            survey=survey, text="新问题", kind="rating", actor=people["supervisor"]
        )
    empty = services.survey_create(
        site=site,
        year=2026,
        title="空调查",
        intro="",
        closes_on=dt.date(2026, 12, 1),
        actor=people["supervisor"],
    )
    with pytest.raises(ValidationFailed):
        services.survey_transition(
            survey=empty, action="open", version=empty.version, actor=people["supervisor"]
        )
    empty.refresh_from_db()
    assert empty.state == SurveyState.DRAFT


def test_a_survey_past_its_closing_date_ends_by_itself_rp6(survey):
    later = at(2026, 12, 1, 0, 10)
    with time_machine.travel(later, tick=False):
        assert jobs.send_survey_invitations(now=later) == 0
    survey.refresh_from_db()
    assert (survey.state, survey.closed_at) == (SurveyState.CLOSED, later)
    assert Event.objects.filter(verb="reports.survey_close", subject_id=survey.pk).count() == 1


def test_a_stale_version_is_a_conflict(survey, people):
    with pytest.raises(Conflict):
        services.survey_transition(
            survey=survey, action="close", version=survey.version - 1, actor=people["manager"]
        )
    survey.refresh_from_db()
    assert survey.state == SurveyState.OPEN


def test_invitations_go_by_sms_to_one_occupant_per_household_once_rp6(survey, homes, site):
    units = homes["units"]
    tenant = ResidentFactory(site=site, unit=units["a1"])
    Occupancy.objects.filter(resident=tenant).update(relation=Relation.TENANT)
    assert jobs.send_survey_invitations(now=NOW) == 4
    assert jobs.send_survey_invitations(now=NOW) == 0
    rows = Notification.objects.filter(topic="reports.survey").order_by("phone")
    assert sorted(r.phone for r in rows) == sorted(r.phone for r in homes["residents"].values())
    assert {r.channel for r in rows} == {"sms"}
    assert {r.url for r in rows} == {f"/reports/survey/{survey.pk}/"}
    survey.refresh_from_db()
    assert survey.invited == 4 and survey.invitations_done_at is not None


def test_resident_answers_on_the_phone_page_signed_in_like_the_portal_rp6(client, survey, homes):
    resident = homes["residents"]["a2"]
    client.force_login(resident.user)
    listing = client.get("/reports/survey/")
    assert listing.status_code == 200 and survey.title in listing.content.decode()
    page = client.get(f"/reports/survey/{survey.pk}/")
    assert page.status_code == 200
    questions = list(survey.questions.order_by("position"))
    data = {f"q{questions[0].pk}": "4", f"q{questions[1].pk}": "5", f"q{questions[2].pk}": "保洁"}
    response = client.post(f"/reports/survey/{survey.pk}/", data)
    assert response.status_code == 302
    saved = SurveyResponse.objects.get(survey=survey)
    assert (saved.unit_id, saved.resident_id) == (homes["units"]["a2"].pk, resident.pk)
    again = client.get(f"/reports/survey/{survey.pk}/")
    assert "已经提交过" in again.content.decode()
    assert Event.objects.filter(verb="reports.survey_answered").count() == 1


def test_a_bad_answer_keeps_what_the_resident_chose(client, survey, homes):
    client.force_login(homes["residents"]["a2"].user)
    questions = list(survey.questions.order_by("position"))
    response = client.post(f"/reports/survey/{survey.pk}/", {f"q{questions[0].pk}": "4"})
    assert response.status_code == 400
    assert 'value="4" checked' in response.content.decode()
    assert not SurveyResponse.objects.exists()


def test_survey_pages_need_a_resident_of_the_site(client, survey, other_site, make_staff):
    assert client.get(f"/reports/survey/{survey.pk}/")["Location"] == "/r/login/"
    stranger = ResidentFactory(site=other_site)
    stranger.user = get_user_model().objects.create_user("stranger", password="x-pass-12345")
    stranger.save()
    client.force_login(stranger.user)
    assert client.get(f"/reports/survey/{survey.pk}/").status_code == 404
    client.force_login(make_staff(survey.site, "site_manager"))
    assert client.get(f"/reports/survey/{survey.pk}/")["Location"] == "/r/login/"


def test_staff_survey_pages_create_add_questions_open_rp6(client, site, people):
    client.force_login(people["supervisor"])
    response = client.post(
        "/reports/surveys/new/",
        {
            "site": site.pk,
            "year": 2026,
            "title": "年度调查",
            "intro": "",
            "closes_on": "2026-11-30",
        },
    )
    created = Survey.objects.get(title="年度调查")
    assert response["Location"] == f"/reports/surveys/{created.pk}/"
    client.post(
        f"/reports/surveys/{created.pk}/questions/",
        {"text": "满意吗", "kind": "choice", "choices": "满意\n不满意", "required": "on"},
    )
    assert list(created.questions.values_list("choices", flat=True)) == [["满意", "不满意"]]
    client.post(f"/reports/surveys/{created.pk}/open/", {"version": created.version})
    created.refresh_from_db()
    assert created.state == SurveyState.OPEN
    detail = client.get(f"/reports/surveys/{created.pk}/")
    assert detail.status_code == 200 and "回收率" in detail.content.decode()


def test_another_sites_survey_is_404(client, survey, other_site, make_staff):
    client.force_login(make_staff(other_site, "site_manager"))
    assert client.get(f"/reports/surveys/{survey.pk}/").status_code == 404


def test_survey_list_costs_the_same_queries_at_1_and_20(client, site, people):
    client.force_login(people["manager"])

    def make(n: int) -> None:
        for i in range(n):
            services.survey_create(
                site=site,
                year=2026,
                title=f"调查{i}",
                intro="",
                closes_on=dt.date(2026, 12, 1),
                actor=people["manager"],
            )

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/reports/surveys/").status_code == 200
        return len(captured)

    make(1)
    one = count()
    make(19)
    assert count() == one
