"""The reminder history, mounted at /reminders/history/ (namespace ``reminders``)."""

from django.urls import path

from bangfu.web.views import reminders

app_name = "reminders"
urlpatterns = [
    path("", reminders.history, name="history"),
    path("<int:pk>/", reminders.detail, name="detail"),
    path("prepare/", reminders.prepare, name="prepare"),
    path("send/", reminders.send, name="send"),
    path("retry/", reminders.retry, name="retry"),
]
