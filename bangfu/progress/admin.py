from django.contrib import admin

from .models import BaseValue, ProgressSchedule, ProgressSettings, ReportingCalendar, TargetRule


@admin.register(ReportingCalendar)
class ReportingCalendarAdmin(admin.ModelAdmin):
    """The day units report by is also set on the calendar page; the list of expected units here."""

    list_display = ["plan", "due_day", "updated_at"]
    filter_horizontal = ["units"]


@admin.register(TargetRule)
class TargetRuleAdmin(admin.ModelAdmin):
    """统计口径: which purchases count toward each target (defaults follow the table)."""

    list_display = ["target", "source", "purchaser_scope", "origin", "channel", "category", "schedule"]
    list_filter = ["source", "purchaser_scope", "origin", "target__item__task__plan"]
    list_select_related = ["target__item__task", "schedule"]
    autocomplete_fields = ["origin_region"]
    readonly_fields = ["target"]

    def has_add_permission(self, request) -> bool:
        return False  # every target gets its rule when progress is first computed


@admin.register(ProgressSchedule)
class ProgressScheduleAdmin(admin.ModelAdmin):
    """时序进度表: the share of the year's work expected by each month's end (December = 1)."""

    list_display = ["name", "m03", "m06", "m09", "m12"]


@admin.register(ProgressSettings)
class ProgressSettingsAdmin(admin.ModelAdmin):
    """进度参数: the lagging thresholds and whether submitted records count."""

    list_display = ["plan", "lagging_below", "severe_below", "count_submitted"]


@admin.register(BaseValue)
class BaseValueAdmin(admin.ModelAdmin):
    list_display = [
        "organisation",
        "year",
        "holiday_gift_fen",
        "member_count",
        "food_budget_fen",
        "no_canteen",
    ]
    list_filter = ["year", "no_canteen"]
    search_fields = ["organisation__name"]
    autocomplete_fields = ["organisation", "canteen_representative", "counts_for"]
