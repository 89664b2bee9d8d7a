"""The monthly bulletin, mounted at /bulletins/ (namespace ``bulletins``)."""

from django.urls import path

from bangfu.web.views import bulletins

app_name = "bulletins"
urlpatterns = [path("", bulletins.index, name="index")]
