"""Data shipped with bangfu (see README.md here)."""

from __future__ import annotations

import json
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
UNITS_FILE = DATA_DIR / "cixi_orgs.json"


def group_spellings(path: Path = UNITS_FILE) -> list[str]:
    """Every name and alias of the groups in a unit list (the format ``orgs_load`` reads) — what
    ``plan parse`` knows of group names without a database."""
    data = json.loads(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for group in data.get("groups") or []:
        names += [group["name"], *(group.get("aliases") or [])]
    return names
