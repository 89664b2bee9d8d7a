from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "bangfu.notifications"
    verbose_name = _("催报通知")
