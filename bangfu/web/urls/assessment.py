"""Assessment pages, mounted at /assessment/ (namespace ``assessment``)."""

from django.urls import path

from bangfu.web.views import assessment

app_name = "assessment"
urlpatterns = [
    path("", assessment.index, name="index"),
    path("<int:scheme>/units/<int:unit>/", assessment.unit, name="unit"),
    path("<int:scheme>/publish/", assessment.publish, name="publish"),
    path("<int:scheme>/vetoes/", assessment.vetoes, name="vetoes"),
    path("runs/", assessment.runs, name="runs"),
    path("runs/<int:pk>/", assessment.run, name="run"),
    path("runs/<int:pk>/units/<int:unit>/", assessment.run_unit, name="run-unit"),
]
