from django.contrib import admin

from .models import Indicator, IndicatorScore, Scheme, ScoreGroup, ScoreRun, UnitScore, VetoRecord


class ScoreGroupInline(admin.TabularInline):
    model = ScoreGroup
    fields = ["name", "kinds", "position"]
    extra = 0
    show_change_link = True


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = ["name", "year", "updated_at"]
    inlines = [ScoreGroupInline]


class IndicatorInline(admin.StackedInline):
    model = Indicator
    fields = [
        ("code", "name", "weight", "position"),
        ("source", "source_params"),
        ("method", "method_params"),
    ]
    extra = 0


@admin.register(ScoreGroup)
class ScoreGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "scheme", "kinds"]
    inlines = [IndicatorInline]


@admin.register(VetoRecord)
class VetoRecordAdmin(admin.ModelAdmin):
    list_display = ["organisation", "date", "reason"]
    autocomplete_fields = ["organisation"]


class IndicatorScoreInline(admin.TabularInline):
    model = IndicatorScore
    fields = ("code", "name", "weight", "points", "explanation")
    readonly_fields = fields
    extra = 0
    can_delete = False
    max_num = 0


@admin.register(UnitScore)
class UnitScoreAdmin(admin.ModelAdmin):
    list_display = ["unit_name", "group_name", "rank", "total", "vetoed", "run"]
    list_filter = ["run", "group_name"]
    readonly_fields = [f.name for f in UnitScore._meta.fields]
    inlines = [IndicatorScoreInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # published scores are frozen


@admin.register(ScoreRun)
class ScoreRunAdmin(admin.ModelAdmin):
    list_display = ["title", "as_of", "published_at", "published_by"]
    readonly_fields = ["scheme", "as_of", "title", "scheme_snapshot", "published_at", "published_by"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False
