"""Text clean-up shared by the classifier, the emergency rules and the similarity measure.

Residents type on phones: full-width digits, typos (电悌 for 电梯, 露水 for 漏水) and dialect
words (冇 for 没). Folding them here means the model and the rules see one spelling.
"""

from __future__ import annotations

import re
import unicodedata

# Common typos and dialect spellings -> the standard form. Longest first so that a longer
# variant wins over its prefix.
SPELLINGS: tuple[tuple[str, str], ...] = (
    ("电悌", "电梯"),
    ("电剃", "电梯"),
    ("电体", "电梯"),
    ("升降机", "电梯"),
    ("露水", "漏水"),
    ("楼水", "漏水"),
    ("冇得", "没有"),
    ("冇", "没"),
    ("沒", "没"),
    ("咁", "这么"),
    ("坏咗", "坏了"),
    ("咗", "了"),
    ("睇下", "看下"),
    ("咋整", "怎么办"),
    ("点算", "怎么办"),
    ("咋办", "怎么办"),
    ("啥时候", "什么时候"),
    ("几时", "什么时候"),
    ("燃汽", "燃气"),
    ("煤汽", "煤气"),
    ("着伙", "着火"),
    ("起伙", "起火"),
)

_SPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")
# Emergency numbers keep their meaning; every other number (room, floor, date) is one token.
_KEEP_NUMBERS = frozenset({"110", "119", "120", "122"})


def fold(text: str) -> str:
    """NFKC (full-width to half-width), lower case, standard spellings, single spaces."""
    value = unicodedata.normalize("NFKC", text or "").lower()
    for wrong, right in SPELLINGS:
        if wrong in value:
            value = value.replace(wrong, right)
    return _SPACE.sub(" ", value).strip()


def for_model(text: str) -> str:
    """What the character n-gram model reads: folded text with numbers collapsed to ``#``."""
    return _DIGITS.sub(
        lambda match: match.group(0) if match.group(0) in _KEEP_NUMBERS else "#", fold(text)
    )


_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def chinese_number(value: str) -> int | None:
    """``"3"`` -> 3, ``"十二"`` -> 12, ``"二十一"`` -> 21; None when it is not a number."""
    if value.isdigit():
        return int(value)
    if not value or any(ch not in _CN_DIGITS and ch != "十" for ch in value):
        return None
    if "十" not in value:
        number = 0
        for ch in value:
            number = number * 10 + _CN_DIGITS[ch]
        return number
    tens, _sep, ones = value.partition("十")
    return (_CN_DIGITS.get(tens, 0) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)


BUILDING = re.compile(r"([0-9]+|[零〇一二两三四五六七八九十]+)\s*(?:号楼|号栋|栋|幢|座|号座)")


def buildings(text: str) -> set[int]:
    """Building numbers a report names: 三号楼, 3栋 and 3号楼 are all building 3."""
    found = set()
    for match in BUILDING.finditer(fold(text)):
        number = chinese_number(match.group(1))
        if number is not None:
            found.add(number)
    return found
