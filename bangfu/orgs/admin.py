from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import Organisation, OrganisationName, OrgEvent, OrgGroup
from .services import OrgError, org_add_name, org_close, org_create, org_rename


class OrganisationNameInline(admin.TabularInline):
    model = OrganisationName
    fields = ["name", "kind", "valid_until"]
    extra = 1

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a spelling is added or removed, not edited (its key must stay consistent)


class OrgEventInline(admin.TabularInline):
    model = OrgEvent
    fields = ("on", "kind", "detail", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "active", "needs_review", "merged_into"]
    list_filter = ["kind", "active", "needs_review"]
    search_fields = ["name", "short_name", "names__name"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["merged_into", "closed_on"]
    fields = [
        "name",
        "short_name",
        "kind",
        "parent",
        "active",
        "needs_review",
        "notes",
        "merged_into",
        "closed_on",
    ]
    inlines = [OrganisationNameInline, OrgEventInline]
    actions = ["close_selected", "mark_reviewed"]

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        try:
            if not change:
                created = org_create(
                    name=obj.name,
                    kind=obj.kind,
                    short_name=obj.short_name,
                    parent=obj.parent,
                    needs_review=obj.needs_review,
                )
                obj.pk = created.pk
                obj.refresh_from_db()
                return
            if "name" in form.changed_data:
                new_name = obj.name
                obj.name = form.initial["name"]
                org_rename(obj, new_name=new_name)
            obj.save()
        except OrgError as exc:
            self.message_user(request, str(exc), level=messages.ERROR)
            transaction.set_rollback(True)

    def save_formset(self, request, form, formset, change):
        if formset.model is not OrganisationName:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for instance in instances:
            try:
                org_add_name(form.instance, name=instance.name, kind=instance.kind)
            except OrgError as exc:
                self.message_user(request, str(exc), level=messages.ERROR)

    @admin.action(description=_("撤销所选单位（保留其记录和历史）"))
    def close_selected(self, request, queryset):
        for org in queryset.filter(active=True):
            org_close(org)

    @admin.action(description=_("标记为已核实"))
    def mark_reviewed(self, request, queryset):
        queryset.update(needs_review=False)


@admin.register(OrgGroup)
class OrgGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "kinds", "exclude_named", "scope"]
    search_fields = ["name"]
    filter_horizontal = ["members"]
    autocomplete_fields = ["scope"]
