"""Assets the site serves from installed packages rather than from static files."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET


@cache
def cjk_font_path() -> Path | None:
    """Noto Sans CJK SC, shipped in the mplfonts package (the bulletin charts use the same file)."""
    try:
        import mplfonts
    except ImportError:  # pragma: no cover - a runtime dependency
        return None
    path = Path(mplfonts.__file__).resolve().parent / "fonts" / "NotoSansCJKsc-Regular.otf"
    return path if path.exists() else None


@require_GET
@cache_control(public=True, max_age=365 * 24 * 3600, immutable=True)
def cjk_font(request: HttpRequest) -> FileResponse:
    """The Chinese font for browsers that have none installed (the stylesheet prefers a local font, so
    office PCs never download it)."""
    path = cjk_font_path()
    if path is None:
        raise Http404("字体不可用。")
    return FileResponse(path.open("rb"), content_type="font/otf")
