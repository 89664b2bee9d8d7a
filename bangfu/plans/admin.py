from __future__ import annotations

from django.contrib import admin

from .models import Item, Plan, RoleAssignment, Target, Task


class TaskInline(admin.TabularInline):
    model = Task
    fields = ["seq", "label", "name"]
    extra = 0
    show_change_link = True


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["year", "title", "source_name", "created_at"]
    readonly_fields = ["source_name", "source_sha256", "created_at", "updated_at"]
    inlines = [TaskInline]


class ItemInline(admin.StackedInline):
    model = Item
    fields = ["seq", "content", "deadline"]
    extra = 0
    show_change_link = True


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["__str__", "plan"]
    list_filter = ["plan"]
    inlines = [ItemInline]


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    fields = ["role", "organisation", "group", "name_as_written", "position"]
    autocomplete_fields = ["organisation", "group"]
    extra = 0


class TargetInline(admin.StackedInline):
    model = Target
    fields = [
        ("kind", "scope", "position"),
        ("amount_fen", "ratio", "count", "unit"),
        ("base_kind", "base_text", "channel"),
        "text",
        ("orgs", "groups"),
        "parent",
    ]
    autocomplete_fields = ["orgs", "groups"]
    extra = 0


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["__str__", "deadline"]
    list_filter = ["task__plan", "task"]
    search_fields = ["content"]
    list_select_related = ["task"]
    inlines = [RoleAssignmentInline, TargetInline]


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["item", "kind", "display_value", "scope", "channel"]
    list_filter = ["kind", "scope", "item__task__plan"]
    list_select_related = ["item__task"]
    autocomplete_fields = ["orgs", "groups"]
    search_fields = ["text"]
