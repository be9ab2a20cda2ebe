"""The high-recall emergency detector names the category and the phrase that fired (EM-1)."""

from __future__ import annotations

import pytest

from estatedesk.triage.emergency import detect
from estatedesk.triage.enums import EmergencyCategory, HitSource

CASES = [
    ("电梯里有人被困", EmergencyCategory.LIFT_TRAPPED, "电梯里有人被困"),
    ("电梯关人了", EmergencyCategory.LIFT_TRAPPED, "电梯关人"),
    ("3栋的电悌卡在六楼，里面有小孩", EmergencyCategory.LIFT_TRAPPED, "电梯卡在六楼,里面有小孩"),
    ("我被困在7栋3单元的电梯里了", EmergencyCategory.LIFT_TRAPPED, "我被困在7栋3单元的电梯"),
    ("5栋18楼着火了", EmergencyCategory.FIRE, "着火"),
    ("8栋楼道好大的烟，看不清路", EmergencyCategory.SMOKE, "好大的烟"),
    ("3号楼楼道一股煤气味，熏得头晕", EmergencyCategory.GAS, "煤气味"),
    ("车库的配电箱冒火花了", EmergencyCategory.ELECTRIC, "配电箱冒火花"),
    ("暴雨把地下车库淹了", EmergencyCategory.FLOODING, "暴雨把地下车库淹"),
    ("12栋1201水管爆了，水喷得到处都是", EmergencyCategory.FLOODING, "水管爆"),
    ("中心花园的围墙塌了", EmergencyCategory.COLLAPSE, "围墙塌"),
    ("外墙瓷砖掉下来了", EmergencyCategory.COLLAPSE, "外墙瓷砖掉下来"),
    ("东门有两个人打起来了", EmergencyCategory.FIGHT, "打起来"),
    ("有人在车库偷电瓶车", EmergencyCategory.THEFT, "有人在车库偷"),
    ("小孩从滑梯上摔下来，头流血了", EmergencyCategory.INJURY, "小孩从滑梯上摔下"),
    ("老人在家晕倒了", EmergencyCategory.MEDICAL, "晕倒"),
]


@pytest.mark.parametrize(("text", "category", "phrase"), CASES)
def test_detector_catches_each_category_with_its_phrase_em1(text, category, phrase) -> None:
    hit = detect(text)
    assert hit is not None
    assert hit.category == category
    assert hit.phrase == phrase
    assert hit.source == HitSource.RULE
    assert hit.confidence == 1.0


def test_typos_and_dialect_are_folded_before_matching_em1() -> None:
    hit = detect("快来，电悌关人了")
    assert hit is not None and hit.category == EmergencyCategory.LIFT_TRAPPED
    hit = detect("我屋企冇人，隔壁燃汽味好大")
    assert hit is not None and hit.category == EmergencyCategory.GAS


@pytest.mark.parametrize(
    "text",
    [
        "燃气灶打不着火了",
        "热水器点不着火",
        "5栋电梯坏了",
        "电梯按钮按了没反应",
        "楼道有人抽烟，烟味很大",
        "邻居家厨房油烟太大",
        "烟雾报警器一直响，应该是没电了",
        "漏电开关老是跳闸",
        "3栋1201卫生间漏水",
        "我的电动车昨晚被偷了",
        "地面太滑了，差点滑倒",
        "天花板墙皮掉下来了一块",
        "物业费怎么交",
    ],
)
def test_everyday_reports_are_not_emergencies(text) -> None:
    assert detect(text) is None


def test_empty_text_is_not_an_emergency() -> None:
    assert detect("") is None
