"""Activity pages, mounted at /activities/ (namespace ``activities``)."""

from django.urls import path

from bangfu.web.views import activities

app_name = "activities"
urlpatterns = [
    path("", activities.activity_list, name="list"),
    path("new/", activities.activity_create_view, name="create"),
    path("<int:item_id>/", activities.item_page, name="item"),
    path("records/<int:pk>/", activities.activity_detail, name="detail"),
    path("records/<int:pk>/edit/", activities.activity_edit, name="edit"),
    path("records/<int:pk>/delete/", activities.activity_delete_view, name="delete"),
    path("records/<int:pk>/review/", activities.activity_review_view, name="review"),
    path("records/<int:pk>/evidence/", activities.evidence_upload, name="evidence-upload"),
    path("purchases/<int:pk>/evidence/", activities.purchase_evidence, name="purchase-evidence"),
    path("evidence/<int:pk>/", activities.evidence_preview, name="evidence-preview"),
    path("evidence/<int:pk>/download/", activities.evidence_download, name="evidence-download"),
    path("evidence/<int:pk>/delete/", activities.evidence_delete_view, name="evidence-delete"),
    path("outlets/", activities.outlet_list, name="outlets"),
    path("outlets/public/", activities.outlet_public, name="outlets-public"),
    path("import/", activities.activity_import, name="import"),
    path("import/template/<str:kind>/", activities.import_template, name="import-template"),
    path("import/reports/<str:token>/", activities.import_report, name="import-report"),
]
