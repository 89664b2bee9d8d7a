from django.urls import path

from bangfu.web.views import plans

app_name = "plans"
urlpatterns = [
    path("", plans.plan_table, name="table"),
    path("<int:year>/", plans.plan_table, name="table-year"),
]
