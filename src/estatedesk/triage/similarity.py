"""Duplicate clustering: how alike two short reports are ("3栋停水" vs "三号楼没水了").

Pure functions on text, so the tickets app can group similar open tickets of one building in a
window without this module knowing about tickets. The measure is the cosine of character
uni- and bigram counts after normalisation: building references (三号楼, 3栋, 3号楼) become one
token per building, everyday synonyms (没水/冇水/断水 -> 停水) one spelling, and filler words
(怎么, 又, 了, 啊) and punctuation are dropped.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Hashable, Iterable

from estatedesk.triage.text import BUILDING, chinese_number, fold

DEFAULT_THRESHOLD = 0.6
# Two reports naming different buildings are about different things even when worded alike.
OTHER_BUILDING_FACTOR = 0.5

SYNONYMS: tuple[tuple[str, str], ...] = (
    ("没有水", "停水"),
    ("没水", "停水"),
    ("断水", "停水"),
    ("不来水", "停水"),
    ("没有电", "停电"),
    ("没电", "停电"),
    ("断电", "停电"),
    ("坏掉", "坏"),
    ("坏了", "坏"),
    ("不能用", "坏"),
    ("用不了", "坏"),
    ("漏水", "漏"),
    ("渗水", "漏"),
    ("号楼", "栋"),
    ("电梯", "梯"),
)
FILLER = re.compile(
    r"怎么办|怎么|咋|又|还|了|啊|啦|呀|吧|吗|呢|的|哦|喔|嘛|是不是|请问|你好|麻烦|一下|现在|今天"
)
_PUNCT = re.compile(r"[\s,.!?;:，。！？；：、~～…\"'“”‘’()（）\[\]【】]+")
# Each building becomes one private-use character, so it is a single n-gram unit.
_BUILDING_BASE = 0xE000


def _building_token(match: re.Match[str]) -> str:
    number = chinese_number(match.group(1))
    if number is None or number > 4000:
        return match.group(0)
    return chr(_BUILDING_BASE + number)


def normalise(text: str) -> str:
    value = BUILDING.sub(_building_token, fold(text))
    for word, standard in SYNONYMS:
        value = value.replace(word, standard)
    value = FILLER.sub("", value)
    return _PUNCT.sub("", value)


def _grams(value: str) -> Counter[str]:
    grams: Counter[str] = Counter(value)
    grams.update(value[i : i + 2] for i in range(len(value) - 1))
    return grams


def _buildings_of(value: str) -> set[str]:
    return {ch for ch in value if _BUILDING_BASE <= ord(ch) <= _BUILDING_BASE + 4000}


def similarity(a: str, b: str) -> float:
    """Cosine similarity in [0, 1] of the normalised reports' character 1-2 grams; halved when
    both name buildings and no building is shared."""
    left, right = normalise(a), normalise(b)
    if not left or not right:
        return 0.0
    ga, gb = _grams(left), _grams(right)
    dot = sum(count * gb[gram] for gram, count in ga.items())
    norm = math.sqrt(sum(c * c for c in ga.values())) * math.sqrt(sum(c * c for c in gb.values()))
    score = dot / norm if norm else 0.0
    buildings_a, buildings_b = _buildings_of(left), _buildings_of(right)
    if buildings_a and buildings_b and not buildings_a & buildings_b:
        score *= OTHER_BUILDING_FACTOR
    return round(min(score, 1.0), 4)


def find_similar(
    text: str,
    candidates: Iterable[tuple[Hashable, str]],
    threshold: float = DEFAULT_THRESHOLD,
) -> list[tuple[Hashable, float]]:
    """``[(id, score)]`` of the candidates at least ``threshold`` alike, most similar first
    (ties keep the candidates' order)."""
    scored = [(key, similarity(text, other)) for key, other in candidates]
    hits = [(key, score) for key, score in scored if score >= threshold]
    return sorted(hits, key=lambda item: -item[1])
