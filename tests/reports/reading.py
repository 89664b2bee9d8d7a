"""Reading generated bulletins back the way a checker would: python-docx, openpyxl and the raw XML."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def east_asia_fonts(path: Path) -> set[str]:
    """Every ``w:eastAsia`` font named in the document's styles, body and footers."""
    names: set[str] = set()
    with zipfile.ZipFile(path) as archive:
        for part in archive.namelist():
            if part.startswith("word/") and part.endswith(".xml"):
                xml = archive.read(part).decode("utf-8")
                names.update(re.findall(r'w:eastAsia="([^"]+)"', xml))
    return names


def zip_parts(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def read_part(path: Path, part: str) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(part).decode("utf-8")


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_pdf(files: list[Path], outdir: Path, profile: Path) -> subprocess.CompletedProcess[str]:
    """LibreOffice headless conversion, with a throwaway profile so that runs never share state."""
    command = soffice()
    assert command is not None
    return subprocess.run(
        [
            command,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
