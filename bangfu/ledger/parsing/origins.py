"""Inferring the origin of a purchase whose origin cell is empty, from the texts that may name it: the
product ("布拖苦荞茶"), the supplier ("凉山州布拖县某合作社") and the remarks ("产自布拖"). Pure Python.

The county recognition is the matcher's (``bangfu.regions.matching.PlaceIndex.mention``, or anything with
a ``mention(text)`` method returning an object with ``key`` and ``how``, or None). Give it the areas an
origin may be inferred to — the paired areas and the 832 counties — not the whole gazetteer: a shop
named "慈溪市…" names Cixi, which is where it sells, not where its products come from.

An inferred origin is a hint, never a written origin: the record's ``origin`` stays empty, and the
caller stores and reports the guess as inferred, with the field it came from.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

from bangfu.regions.matching import MENTION_STRENGTH

from .model import PurchaseFields

K = TypeVar("K", bound=Hashable)

#: The record fields an origin may be inferred from, in order of preference.
ORIGIN_SOURCES = ("product", "supplier", "remarks")


class CountyMatcher(Protocol):
    def mention(self, text: str) -> Any: ...


class OriginGuess(NamedTuple, Generic[K]):
    """A county inferred for a record: ``(key, field)`` unpacks first."""

    #: The matcher's key of the county.
    key: K
    #: The record field it was found in: "product", "supplier" or "remarks".
    field: str
    #: How the text named it ("full", "with_area", "after_word", "short": see ``PlaceIndex.mention``).
    how: str
    #: The text it was found in.
    text: str


def infer_origin(
    record: PurchaseFields, matcher: CountyMatcher, cache: dict[str, Any] | None = None
) -> OriginGuess[Any] | None:
    """The county the record's product, supplier or remarks name, when its origin cell is empty.

    None when the origin is written (resolving it is the caller's job), when no field names a county,
    or when the fields name different counties (布拖 product, 昭觉 supplier): then nothing can be
    inferred. When several fields name the same county, the strongest naming wins, then the order of
    :data:`ORIGIN_SOURCES`. ``cache`` (text → the matcher's answer) saves matching a text twice: pass one
    dict for a whole file.
    """
    if record.origin:
        return None
    found: list[OriginGuess[Any]] = []
    for name in ORIGIN_SOURCES:
        text = getattr(record, name)
        if not text:
            continue
        if cache is None:
            mention = matcher.mention(text)
        elif text in cache:
            mention = cache[text]
        else:
            mention = cache[text] = matcher.mention(text)
        if mention is not None:
            found.append(OriginGuess(mention.key, name, mention.how, text))
    if not found or len({guess.key for guess in found}) != 1:
        return None
    return max(found, key=lambda guess: MENTION_STRENGTH.get(guess.how, 0))  # max keeps the first of equals
