"""Violation kinds (VI-2), grades (VI-3), measures and their ladders (VI-4, VI-5), case states,
documents, tasks and retention classes (VI-12, RT-3)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ViolationKind(models.TextChoices):
    """VI-2: the six kinds of resident violation."""

    RENOVATION = "renovation", _("装修违章")
    FIRE_SAFETY = "fire_safety", _("消防违章")
    ENVIRONMENT = "environment", _("环境卫生违章")
    PUBLIC_ORDER = "public_order", _("治安违章")
    REFUSING_FEES = "refusing_fees", _("无故拒交管理费")
    OTHER = "other", _("其他违章")


class ViolationSubKind(models.TextChoices):
    """VI-2: the sub-kinds; the value starts with its kind's value (see SUBKINDS_BY_KIND)."""

    RENOVATION_STRUCTURE = "renovation_structure", _("擅自改变房屋结构")
    RENOVATION_APPEARANCE = "renovation_appearance", _("擅自改变房屋外观")
    RENOVATION_USE = "renovation_use", _("擅自改变房屋用途")
    RENOVATION_BEARING_WALL = "renovation_bearing_wall", _("拆改承重墙")
    RENOVATION_UTILITIES = "renovation_utilities", _("损坏或占用公用设施")
    RENOVATION_WINDOW = "renovation_window", _("窗外安装防盗网、招牌")
    RENOVATION_FLOOR_DRAIN = "renovation_floor_drain", _("改动或堵塞地漏")
    FIRE_EXIT_BLOCKED = "fire_safety_exit_blocked", _("堵塞消防通道")
    FIRE_EQUIPMENT_DAMAGED = "fire_safety_equipment_damaged", _("损坏消防设施")
    FIRE_WIRING_OVERLOAD = "fire_safety_wiring_overload", _("超负荷用电、乱拉电线")
    FIRE_BURNING = "fire_safety_burning", _("在公共场所焚烧物品")
    FIRE_SHOP_EXTINGUISHER = "fire_safety_shop_extinguisher", _("商铺未配备灭火器")
    ENV_LITTER = "environment_litter", _("乱扔垃圾")
    ENV_DAMAGE = "environment_damage", _("乱涂乱画、损坏公物")
    ENV_PUBLIC_SPACE = "environment_public_space", _("占用公共场地堆放杂物或搭建")
    ENV_THROWING = "environment_throwing", _("高空抛物")
    ENV_NOISE = "environment_noise", _("噪音扰民")
    ENV_LAWN = "environment_lawn", _("践踏草坪、损坏花木")
    ENV_PETS = "environment_pets", _("宠物散养")
    ORDER_PARKING = "public_order_parking", _("乱停乱放车辆")
    ORDER_HAZARDOUS = "public_order_hazardous", _("存放易燃易爆等危险品")
    ORDER_GAMBLING = "public_order_gambling", _("聚众赌博")
    ORDER_FIGHTING = "public_order_fighting", _("打架斗殴")
    FEES_REFUSED = "refusing_fees_refused", _("无正当理由拒交管理费")
    OTHER = "other_other", _("其他损害住户利益或公共安全的行为")


SUBKINDS_BY_KIND: dict[str, list[str]] = {
    kind: [sub for sub in ViolationSubKind.values if sub.startswith(kind + "_")]
    for kind in ViolationKind.values
}


def kind_of_subkind(sub_kind: str) -> str | None:
    for kind, subs in SUBKINDS_BY_KIND.items():
        if sub_kind in subs:
            return kind
    return None


class Grade(models.TextChoices):
    """VI-3."""

    GENERAL = "general", _("一般违章")
    MAJOR = "major", _("重大违章")


GRADE_RULE = _("一般：未对住户或管理处造成损失且不危及公共安全；否则为重大。")


class RetentionClass(models.TextChoices):
    """VI-12 / RT-3: how long a case's records are kept."""

    GENERAL_1Y = "general_1y", _("一般违章 保存1年")
    MAJOR_5Y = "major_5y", _("重大违章 保存5年")


RETENTION_BY_GRADE = {
    Grade.GENERAL: RetentionClass.GENERAL_1Y,
    Grade.MAJOR: RetentionClass.MAJOR_5Y,
}
RETENTION_YEARS = {RetentionClass.GENERAL_1Y: 1, RetentionClass.MAJOR_5Y: 5}


class CaseState(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    HANDLING = "handling", _("处理中")
    RESOLVED = "resolved", _("已解决")


OPEN_STATES = frozenset({CaseState.REGISTERED, CaseState.HANDLING})


class MeasureKind(models.TextChoices):
    """VI-4 (violations) and VI-5 (fee arrears) measures."""

    PERSUASION = "persuasion", _("劝导教育")
    RECTIFICATION = "rectification", _("限期整改")
    COMPENSATION = "compensation", _("赔偿损失")
    REMINDER_LETTER = "reminder_letter", _("发催缴函")
    LATE_FEE = "late_fee", _("收取滞纳金")
    LAWYER_LETTER = "lawyer_letter", _("发律师函")
    COMMITTEE_ANNOUNCEMENT = "committee_announcement", _("通过业委会公告")
    CUTOFF = "cutoff", _("停水停电")
    STOP_SERVICE = "stop_service", _("停止服务")
    PUBLIC_CRITICISM = "public_criticism", _("公开批评")
    LITIGATION = "litigation", _("仲裁或诉讼")


# VI-4: the usual order for violations; VI-5: the fee-arrears ladder.
VIOLATION_LADDER: tuple[str, ...] = (
    MeasureKind.PERSUASION,
    MeasureKind.RECTIFICATION,
    MeasureKind.COMPENSATION,
    MeasureKind.CUTOFF,
    MeasureKind.PUBLIC_CRITICISM,
    MeasureKind.LITIGATION,
)
ARREARS_LADDER: tuple[str, ...] = (
    MeasureKind.PERSUASION,
    MeasureKind.REMINDER_LETTER,
    MeasureKind.LATE_FEE,
    MeasureKind.LAWYER_LETTER,
    MeasureKind.COMMITTEE_ANNOUNCEMENT,
    MeasureKind.CUTOFF,
    MeasureKind.STOP_SERVICE,
    MeasureKind.LITIGATION,
)


def ladder_for(kind: str) -> tuple[str, ...]:
    return ARREARS_LADDER if kind == ViolationKind.REFUSING_FEES else VIOLATION_LADDER


# VI-9: everyone may persuade and educate; rectification notices and reminder letters are the
# CS center's written persuasion; every other measure is a penalty only the site's penalty
# roles may decide.
PERSUASION_MEASURES = frozenset({MeasureKind.PERSUASION})
CS_MEASURES = frozenset({MeasureKind.RECTIFICATION, MeasureKind.REMINDER_LETTER})
PENALTY_MEASURES = frozenset(MeasureKind.values) - PERSUASION_MEASURES - CS_MEASURES
# Measures that carry an amount charged to the resident (VI-10 finance export).
CHARGE_MEASURES = frozenset({MeasureKind.COMPENSATION, MeasureKind.LATE_FEE})
# VI-11: after these the CS center contacts the resident to ease relations.
RELATIONS_MEASURES = frozenset(
    {
        MeasureKind.COMPENSATION,
        MeasureKind.CUTOFF,
        MeasureKind.PUBLIC_CRITICISM,
        MeasureKind.LITIGATION,
    }
)


class DocumentKind(models.TextChoices):
    """VI-7 paper forms, and the VI-6 written cut-off notice."""

    COORDINATION_SLIP = "coordination_slip", _("协调单")
    RECTIFICATION_NOTICE = "rectification_notice", _("违章整改通知书")
    CUTOFF_NOTICE = "cutoff_notice", _("停水停电通知书")


DOCUMENT_PREFIX = {
    DocumentKind.COORDINATION_SLIP: "XT",
    DocumentKind.RECTIFICATION_NOTICE: "ZG",
    DocumentKind.CUTOFF_NOTICE: "TD",
}
CASE_PREFIX = "WZ"


class TaskKind(models.TextChoices):
    REINSPECT = "reinspect", _("整改复查")
    RESTORE_SUPPLY = "restore_supply", _("恢复供水供电")
    EASE_RELATIONS = "ease_relations", _("回访住户、缓和关系")


class ReinspectResult(models.TextChoices):
    RECTIFIED = "rectified", _("已整改")
    NOT_RECTIFIED = "not_rectified", _("未整改")
