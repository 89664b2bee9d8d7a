"""Ledger pages, mounted at /ledger/ (namespace ``ledger``)."""

from django.urls import path

from bangfu.web.views import ledger

app_name = "ledger"
urlpatterns = [
    path("", ledger.purchase_list, name="list"),
    path("export/", ledger.purchase_export, name="export"),
    path("new/", ledger.purchase_create_view, name="create"),
    path("submit/", ledger.purchase_submit_view, name="submit"),
    path("<int:pk>/", ledger.purchase_detail, name="detail"),
    path("<int:pk>/edit/", ledger.purchase_edit, name="edit"),
    path("<int:pk>/delete/", ledger.purchase_delete_view, name="delete"),
    path("approvals/", ledger.approvals, name="approvals"),
    path("approvals/review/", ledger.review, name="review"),
    path("import/", ledger.import_upload, name="import"),
    path("import/<str:token>/", ledger.import_preview, name="import-preview"),
    path("import/<str:token>/confirm/", ledger.import_confirm, name="import-confirm"),
    path("import/<str:token>/cancel/", ledger.import_cancel, name="import-cancel"),
    path("import/<str:token>/done/", ledger.import_done, name="import-done"),
    path("flags/", ledger.flag_list, name="flags"),
    path("flags/<int:pk>/resolve/", ledger.flag_resolve_view, name="flag-resolve"),
    path("batches/", ledger.batch_list, name="batches"),
    path("batches/<int:pk>/", ledger.batch_detail, name="batch"),
    path("batches/<int:pk>/report/", ledger.batch_report, name="batch-report"),
    path("batches/<int:pk>/review/", ledger.batch_review, name="batch-review"),
]
