"""Scoring functions of an assessment scheme (考核办法). Pure: figures in, points and explanation out."""

from .functions import Figures, IndicatorResult, IndicatorRule, score_indicator, score_unit

__all__ = ["Figures", "IndicatorResult", "IndicatorRule", "score_indicator", "score_unit"]
