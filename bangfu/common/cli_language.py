"""The command line speaks Chinese: Python's argparse messages (usage, help, errors) from our catalogue.

argparse looks its messages up with :func:`gettext.gettext` at the moment it prints them, in the global
text domain that no library here binds; we give it the Chinese catalogue shipped in
``bangfu/locale/zh_Hans/LC_MESSAGES/argparse.po`` (compiled to ``.mo``). A message without a translation
stays as argparse wrote it. Pure: imports no Django.
"""

from __future__ import annotations

import argparse
import gettext
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def cli_language_install(language: str = "zh_Hans") -> None:
    """Make argparse print its messages in ``language`` (the CLI is Chinese, whatever the shell's locale)."""
    catalogue = gettext.translation("argparse", localedir=LOCALE_DIR, languages=[language], fallback=True)
    argparse._ = catalogue.gettext  # type: ignore[attr-defined]
    argparse.ngettext = catalogue.ngettext  # type: ignore[attr-defined]
