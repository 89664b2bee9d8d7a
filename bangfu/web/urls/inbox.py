from django.urls import path

from bangfu.web.views import inbox

app_name = "inbox"
urlpatterns = [
    path("", inbox.inbox, name="index"),
    path("review/", inbox.review_queue, name="queue"),
    path("review/selected/", inbox.review_selected, name="review"),
]
