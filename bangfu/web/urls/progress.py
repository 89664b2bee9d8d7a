"""Progress pages, mounted at /progress/ (namespace ``progress``)."""

from django.urls import path

from bangfu.web.views import progress

app_name = "progress"
urlpatterns = [
    path("mine/", progress.my_unit, name="my-unit"),
    path("<int:pk>/", progress.unit, name="unit"),
    path("<int:unit>/targets/<int:target>/", progress.line_records, name="line-records"),
    path("reminders/", progress.reminders, name="reminders"),
    path("calendar/", progress.calendar, name="calendar"),
    path("bases/", progress.bases, name="bases"),
    path("bases/import/", progress.bases_upload, name="bases-import"),
    path("bases/<int:unit>/", progress.base_edit, name="base-edit"),
]
