"""Background jobs of the ledger (Django's task framework: the django-tasks backport with its database
backend). Each job is a thin call of one service; the services say what they do."""

from __future__ import annotations

from django_tasks import task

from .services.uploads import upload_import_run, upload_preview_run


@task()
def ledger_upload_preview(upload_id: int) -> None:
    """Preview (dry-run) an uploaded ledger."""
    upload_preview_run(upload_id)


@task()
def ledger_upload_import(upload_id: int) -> None:
    """Import an uploaded ledger."""
    upload_import_run(upload_id)
