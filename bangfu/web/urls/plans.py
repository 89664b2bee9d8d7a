from django.urls import path

from bangfu.web.views import plan_import, plans

app_name = "plans"
urlpatterns = [
    path("", plans.plan_table, name="table"),
    path("<int:year>/", plans.plan_table, name="table-year"),
    path("import/", plan_import.plan_upload, name="import"),
    path("import/<str:token>/", plan_import.plan_review, name="review"),
    path("import/<str:token>/discard/", plan_import.plan_discard, name="discard"),
]
