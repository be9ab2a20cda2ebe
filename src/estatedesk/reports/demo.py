"""Demo data of the reports app for the demo site: the rollups of the demo tickets, one
training session (RP-8) and one open satisfaction survey with a few answers (RP-6).
Idempotent: what exists is kept."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model

from estatedesk.core import clock
from estatedesk.org.models import Occupancy, Site
from estatedesk.reports import rollups, services
from estatedesk.reports.enums import Procedure, QuestionKind
from estatedesk.reports.models import Survey, TrainingSession

QUESTIONS: list[tuple[str, str, list[str], bool]] = [
    ("您对报修服务的及时性是否满意？", QuestionKind.RATING, [], True),
    ("您对小区保安和秩序维护是否满意？", QuestionKind.RATING, [], True),
    ("您对公共区域的清洁卫生是否满意？", QuestionKind.RATING, [], True),
    (
        "您最希望我们改进哪一方面？",
        QuestionKind.CHOICE,
        ["维修", "保洁", "安保", "绿化", "客服态度"],
        True,
    ),
    ("其他意见和建议", QuestionKind.TEXT, [], False),
]
ANSWERS: list[tuple[int, int, int, str, str]] = [
    (5, 4, 4, "绿化", "希望多种一些花"),
    (4, 5, 3, "保洁", "地下车库有点脏"),
    (3, 4, 4, "维修", "报修后等了两天才上门"),
    (5, 5, 5, "客服态度", ""),
    (4, 3, 4, "安保", "晚上外来车辆太多"),
]


def seed(*, site: Site) -> list[str]:
    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=["supervisor", "dispatcher", "duty", "assistant"]
        )
    }
    lines: list[str] = []
    result = rollups.rebuild_all(now=clock.now(), site_ids=[site.pk])
    lines.append(f"统计表已按 {result.tickets} 张工单重新计算")
    supervisor: Any = users.get("supervisor")
    if supervisor is None:
        return lines
    if not TrainingSession.objects.filter(site=site).exists():
        attendees = [
            users[name].pk for name in ("dispatcher", "duty", "assistant") if name in users
        ]
        services.training_session_create(
            site=site,
            procedure=Procedure.DS,
            topic="调度跟进时限：立项 2 小时首次跟进、下班前二次跟进",
            held_on=clock.today() - dt.timedelta(days=7),
            hours=2,
            trainer=supervisor.get_full_name() or supervisor.username,
            notes="DS-3/DS-4 的时限、跟进记录怎么写、未安排时如何报告经理。",
            attendee_ids=attendees,
            actor=supervisor,
        )
        lines.append(f"培训记录 1 次（{len(attendees)} 人参训）")
    if not Survey.objects.filter(site=site).exists():
        today = clock.today()
        survey = services.survey_create(
            site=site,
            year=today.year,
            title=f"{today.year} 年度住户满意度调查",
            intro="感谢您抽出两分钟填写。每户一份，结果用于制定服务改进计划。",
            closes_on=today + dt.timedelta(days=30),
            actor=supervisor,
        )
        for text, kind, choices, required in QUESTIONS:
            services.survey_question_add(
                survey=survey,
                text=text,
                kind=kind,
                choices=choices,
                required=required,
                actor=supervisor,
            )
        survey = services.survey_transition(
            survey=survey, action="open", version=survey.version, actor=supervisor
        )
        questions = list(survey.questions.order_by("position"))
        occupancies = list(
            Occupancy.objects.filter(unit__site=site, move_out__isnull=True)
            .select_related("resident", "unit")
            .order_by("unit_id", "pk")
        )
        seen: set[int] = set()
        answered = 0
        for occupancy in occupancies:
            if answered == len(ANSWERS):
                break
            if occupancy.unit_id in seen:
                continue
            seen.add(occupancy.unit_id)
            values = ANSWERS[answered]
            services.survey_response_submit(
                survey=survey,
                resident=occupancy.resident,
                unit_id=occupancy.unit_id,
                answers={q.pk: value for q, value in zip(questions, values, strict=True)},
                actor=occupancy.resident.user,
            )
            answered += 1
        lines.append(f"满意度调查 1 份（已发布，{answered} 户已答）")
    return lines
