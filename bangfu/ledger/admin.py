from django.contrib import admin

from .models import ApprovalEvent, ImportBatch, Product, Purchase, PurchaseSighting, RejectedRow, Supplier


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "credit_code"]
    search_fields = ["name", "credit_code"]
    autocomplete_fields = ["region"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "supplier",
        "origin_region",
        "category",
        "certificate_no",
        "certificate_valid_until",
    ]
    search_fields = ["name", "certificate_no"]
    autocomplete_fields = ["supplier", "origin_region"]


class RejectedRowInline(admin.TabularInline):
    model = RejectedRow
    fields = ("outcome", "sheet", "row_number", "reason", "raw")
    readonly_fields = fields
    extra = 0
    can_delete = False
    max_num = 0


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = [
        "file_name",
        "kind",
        "reporting_org",
        "accepted",
        "rejected",
        "duplicates",
        "skipped",
        "created_at",
    ]
    list_filter = ["kind"]
    search_fields = ["file_name", "sha256"]
    readonly_fields = [f.name for f in ImportBatch._meta.fields]
    inlines = [RejectedRowInline]

    def has_add_permission(self, request) -> bool:
        return False


class SightingInline(admin.TabularInline):
    model = PurchaseSighting
    fields = ("batch", "sheet", "row_number", "purchaser_name", "raw")
    readonly_fields = fields
    extra = 0
    can_delete = False
    max_num = 0


class ApprovalEventInline(admin.TabularInline):
    """The review history; written by the workflow services only."""

    model = ApprovalEvent
    fields = ("created_at", "actor", "action", "from_status", "to_status", "comment", "changes")
    readonly_fields = fields
    extra = 0
    can_delete = False
    max_num = 0


@admin.register(Purchase)
class PurchaseAdmin(admin.ModelAdmin):
    list_display = ["date", "purchaser_name", "product", "origin", "amount_fen", "channel", "status"]
    list_filter = ["status", "channel", "category"]
    search_fields = ["purchaser_name", "product", "order_no"]
    list_select_related = ["purchaser"]
    autocomplete_fields = ["purchaser", "reporting_org", "origin_region", "product_ref", "supplier_ref"]
    # The status moves through the review workflow (web pages), which records who did what and why.
    readonly_fields = ["status", "batch", "sheet", "row_number", "raw", "dedupe_key", "order_key"]
    show_full_result_count = False
    ordering = ["-id"]  # the primary key: no sort over a million rows
    inlines = [SightingInline, ApprovalEventInline]

    # Records are entered, changed and deleted in the ledger's pages, whose services keep the review
    # history and the running totals: here they are only looked at.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
