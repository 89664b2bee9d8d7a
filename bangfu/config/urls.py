from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("bangfu 消费帮扶工作管理系统")
admin.site.site_title = _("bangfu 管理")
admin.site.index_title = _("数据维护")

urlpatterns = [
    path("", include("bangfu.web.urls")),
    path("api/", include("bangfu.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# Error pages in Chinese inside the site's layout (the API's JSON under /api/).
handler400 = "bangfu.web.views.errors.bad_request"
handler403 = "bangfu.web.views.errors.permission_denied"
handler404 = "bangfu.web.views.errors.page_not_found"
handler500 = "bangfu.web.views.errors.server_error"
