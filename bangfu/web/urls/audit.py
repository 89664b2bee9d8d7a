from django.urls import path

from bangfu.web.views import audit

app_name = "audit"
urlpatterns = [path("", audit.audit_list, name="list")]
