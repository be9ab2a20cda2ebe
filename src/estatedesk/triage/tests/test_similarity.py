"""Duplicate clustering: similar reports about one building group together."""

from __future__ import annotations

from estatedesk.triage.similarity import DEFAULT_THRESHOLD, find_similar, similarity
from estatedesk.triage.text import buildings, chinese_number


def test_same_building_outage_in_different_words_is_similar() -> None:
    assert similarity("3栋停水", "三号楼没水了") == 1.0
    assert similarity("3栋停水", "3号楼怎么又停水了") == 1.0
    assert similarity("三号楼没水了", "3号楼怎么又停水了") == 1.0


def test_other_building_or_other_matter_is_not_similar() -> None:
    assert similarity("3栋停水", "5栋电梯坏了") == 0.0
    assert similarity("3栋停水", "5栋停水") < DEFAULT_THRESHOLD
    assert similarity("3栋停水", "3栋电梯坏了") < DEFAULT_THRESHOLD


def test_find_similar_groups_the_outage_reports_best_first() -> None:
    candidates = [
        (11, "三号楼没水了"),
        (12, "5栋电梯坏了"),
        (13, "3号楼怎么又停水了"),
        (14, "三栋冇水啦，咋整？"),
        (15, "物业费怎么交"),
    ]
    found = find_similar("3栋停水", candidates, threshold=0.6)
    assert [key for key, _score in found] == [11, 13, 14]
    assert [score for _key, score in found] == [1.0, 1.0, 1.0]


def test_empty_text_is_similar_to_nothing() -> None:
    assert similarity("", "3栋停水") == 0.0
    assert find_similar("", [(1, "3栋停水")]) == []


def test_building_numbers_in_digits_and_chinese() -> None:
    assert buildings("三号楼和3栋还有十二幢") == {3, 12}
    assert chinese_number("二十一") == 21
    assert chinese_number("十") == 10
    assert chinese_number("楼") is None
