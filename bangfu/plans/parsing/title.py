"""Lines around the table: the title (and its year) and the notes (备注／注／说明)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bangfu.common.text import join_lines, squash

_ATTACHMENT_RE = re.compile(r"^附\s*件\s*\d*\s*[:：]?\s*")
_YEAR_RE = re.compile(r"(20\d\d)\s*年")
_NOTE_RE = re.compile(
    r"^(?:备\s*注|附\s*注|注|说\s*明|填表说明|填报说明)\s*(?:\d+|[一二三四五六七八九十]+)?\s*[:：]"
    r"|^(?:备\s*注|附\s*注|填表说明|填报说明)\s*$"
    r"|^填表说明|^填报说明"
)
_NOT_TITLE_WORDS = ("填报单位", "盖章", "联系人", "联系电话", "填报人", "填报日期")
_TITLE_WORDS = ("表", "清单", "任务", "分解")
MAX_TITLE_LENGTH = 60


def is_note(text: str) -> bool:
    """``"备注：…"``, ``"注：…"``, ``"说明：…"``, ``"填表说明…"`` — text that is not a table row."""
    return bool(_NOTE_RE.match(text.strip()))


def _title_text(line: str) -> str:
    return _ATTACHMENT_RE.sub("", join_lines(line)).strip()


def _title_score(text: str) -> int:
    key = squash(text)
    if not key or len(key) > MAX_TITLE_LENGTH or key[0] in "（(【〔[":
        return 0
    if is_note(key) or any(word in key for word in _NOT_TITLE_WORDS):
        return 0
    if not any(word in key for word in _TITLE_WORDS):
        return 0
    score = 1
    score += 3 if ("分解表" in key or "任务表" in key) else 0
    score += 2 if ("表" in key or "清单" in key) else 0
    score += sum(1 for word in ("任务", "分解", "消费帮扶") if word in key)
    score += 1 if _YEAR_RE.search(key) else 0
    return score


def pick_title(lines: Iterable[str]) -> str:
    """The most title-like line (contains 表/清单/任务/分解, is not "附件" or a subtitle), else ``""``."""
    best, best_score = "", 0
    for line in lines:
        text = _title_text(line)
        score = _title_score(text)
        if score > best_score:
            best, best_score = text, score
    return best


def find_year(title: str) -> int | None:
    match = _YEAR_RE.search(title)
    return int(match.group(1)) if match else None
