"""Pure-Python parser of the yearly 消费帮扶工作任务分解表 (task breakdown table). No Django here.

``parse_table(path)`` reads .docx, .xlsx/.xlsm, .xls, .txt and .csv files; ``parse_text(text)`` reads the
text extraction. Both return a :class:`ParsedPlan` whose ``to_dict()`` is the JSON of ``plan parse --json``.
"""

from .model import ParsedItem, ParsedPlan, ParsedTarget, ParsedTask, TableParseError
from .parse import parse_table, parse_text

__all__ = [
    "ParsedItem",
    "ParsedPlan",
    "ParsedTarget",
    "ParsedTask",
    "TableParseError",
    "parse_table",
    "parse_text",
]
