"""The media storage (evidence files and other uploads kept by the site): Django's file-system storage,
except that a file appears under its name only once it is complete.

Django writes a file given in memory straight to its final name, so a process killed mid-write leaves a
truncated evidence file that is then served as if it were whole. Here the content is written to a
temporary file in the same folder first and handed to Django as a finished temporary file, which Django
moves into place with one rename (and, as before, never over an existing file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.files.storage import FileSystemStorage

from .files import fsync_file, temp_file_beside


class _FinishedFile(File):
    """A complete file on disk that Django may move rather than copy."""

    def __init__(self, path: Path) -> None:
        super().__init__(path.open("rb"), name=path.name)
        self._path = path

    def temporary_file_path(self) -> str:
        return str(self._path)


class AtomicFileSystemStorage(FileSystemStorage):
    def _save(self, name: str, content: Any) -> str:
        if hasattr(content, "temporary_file_path"):  # already complete on disk: Django moves it
            return str(super()._save(name, content))  # type: ignore[misc]  # (not in django-stubs)
        target = Path(self.path(name))
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = temp_file_beside(target)
        try:
            with temp.open("wb") as out:
                for chunk in content.chunks():
                    out.write(chunk.encode() if isinstance(chunk, str) else chunk)
            fsync_file(temp)
            finished = _FinishedFile(temp)
            try:
                return str(super()._save(name, finished))  # type: ignore[misc]
            finally:
                finished.close()
        finally:
            temp.unlink(missing_ok=True)
