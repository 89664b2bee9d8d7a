"""Template filters for scores as shown: each indicator's points adding up to the total shown
(:mod:`assessment.scoring.display`). Formatting only."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import template

from bangfu.assessment.scoring.display import ShownScore, shown_for_result
from bangfu.assessment.scoring.functions import UnitResult

register = template.Library()


@register.filter
def shown_score(result: UnitResult) -> ShownScore:
    return shown_for_result(result)


@register.filter
def attr_scale(shown: ShownScore) -> Decimal | None:
    """The scale of a rescaled total (None when not rescaled)."""
    return shown.scale


@register.filter
def at(values: Sequence[Any], index: int) -> Any:
    return values[index]
