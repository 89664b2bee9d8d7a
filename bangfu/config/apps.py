"""Third-party apps under names the office reads (their own are English and not translated)."""

from __future__ import annotations

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class AxesConfig(AxesAppConfig):
    verbose_name = _("登录保护")


class TasksDbConfig(TasksAppConfig):
    verbose_name = _("后台任务")  # type: ignore[assignment]  # a lazy Chinese name where the app has a plain one
