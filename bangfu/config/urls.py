from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from bangfu.web.views import plans

admin.site.site_header = _("bangfu 消费帮扶工作管理系统")
admin.site.site_title = _("bangfu 管理")
admin.site.index_title = _("数据维护")

urlpatterns = [
    path("", plans.plan_table, name="home"),
    path("plans/<int:year>/", plans.plan_table, name="plan-table"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
