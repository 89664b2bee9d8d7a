"""Fill English msgstr entries of bangfu/locale/en from tools/en_terms.json, then compile (dev tool)."""

import json
import sys
from pathlib import Path

import polib  # dev-only: pip install polib

root = Path(__file__).resolve().parent.parent
terms = json.loads((root / "tools" / "en_terms.json").read_text(encoding="utf-8"))
po_path = root / "bangfu" / "locale" / "en" / "LC_MESSAGES" / "django.po"
po = polib.pofile(str(po_path))
missing = []
for entry in po:
    if entry.msgid in terms:
        value = terms[entry.msgid]
        if entry.msgid_plural:
            forms = value if isinstance(value, list) else [value, value]
            entry.msgstr_plural = dict(enumerate(forms))
        else:
            entry.msgstr = value
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    elif not entry.translated():  # untranslated, or a fuzzy guess makemessages copied from a similar string
        missing.append(entry.msgid)
po.save(str(po_path))
po.save_as_mofile(str(po_path.with_suffix(".mo")))
if missing:
    print("untranslated:", *missing, sep="\n  ", file=sys.stderr)
