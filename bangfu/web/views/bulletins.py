"""The monthly bulletin (进度通报): choose the year, the as-of date and (the office) the issue number;
the Word or Excel file is produced by the same renderers as ``bangfu bulletin`` into a temporary file
of this request and streamed back as a download. Nothing is stored.

The view: the role check (``reports.access``: the office and the leadership) → the bulletin's content
(``bulletin_data``, the figures of ``bangfu progress``) → the renderer → the download.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import IO, Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bangfu.accounts.access import require_role
from bangfu.plans.selectors import plan_list
from bangfu.reports import access
from bangfu.reports.bulletin import BulletinData
from bangfu.reports.rendering.bulletin_chart import ChartFontMissing, town_chart_png
from bangfu.reports.rendering.bulletin_content import CHART_CAPTION
from bangfu.reports.rendering.bulletin_docx import write_bulletin_docx
from bangfu.reports.rendering.bulletin_xlsx import write_bulletin_xlsx
from bangfu.web.forms.bulletins import BulletinForm, default_bulletin_as_of

CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def bulletin_file(data: BulletinData, fmt: str) -> IO[bytes]:
    """The bulletin written by the renderer into a temporary file, open at its start (it disappears
    when closed — the response closes it once sent)."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    try:
        with tempfile.TemporaryDirectory(prefix="bangfu-bulletin-") as folder:
            path = Path(folder) / f"bulletin.{fmt}"
            if fmt == "docx":
                title = f"{CHART_CAPTION}（{data.as_of_text}）"
                chart = town_chart_png(data.towns, title=title) if data.towns else None
                write_bulletin_docx(path, data, chart_png=chart)
            else:
                write_bulletin_xlsx(path, data)
            with path.open("rb") as source:
                shutil.copyfileobj(source, handle)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle


def file_name(data: BulletinData, fmt: str) -> str:
    """``2022年全市消费帮扶工作进度通报（第6期，截至2022-06-30）.docx``."""
    return f"{data.title}（{data.issue_text}，截至{data.as_of:%Y-%m-%d}）.{fmt}"


@login_required
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponseBase:
    """The form (GET) and the download (POST)."""
    scope = require_role(request)
    access.bulletin_scope(request.user)
    plans = list(plan_list())
    if not plans:
        empty = {"title": _("进度通报"), "message": _("尚未导入任务分解表。")}
        return render(request, "web/assessment/empty.html", empty)
    can_set_issue = scope.can_administer
    error = ""
    if request.method == "POST":
        form = BulletinForm(request.POST, plans=plans, can_set_issue=can_set_issue)
        if form.is_valid():
            plan, as_of, issue_no, fmt = form.chosen()
            data = access.bulletin_data_for_user(request.user, plan, as_of=as_of, issue_no=issue_no)
            try:
                handle = bulletin_file(data, fmt)
            except ChartFontMissing as exc:
                error = str(exc)
            else:
                return FileResponse(
                    handle,
                    as_attachment=True,
                    filename=file_name(data, fmt),
                    content_type=CONTENT_TYPES[fmt],
                )
    else:
        year = plans[0].year
        initial = {
            "year": year,
            "as_of": default_bulletin_as_of(year, timezone.localdate()),
            "format": "docx",
        }
        form = BulletinForm(initial=initial, plans=plans, can_set_issue=can_set_issue)
    context: dict[str, Any] = {"form": form, "error": error, "can_set_issue": can_set_issue}
    status = 500 if error else 400 if form.errors else 200
    return render(request, "web/bulletins/index.html", context, status=status)
