from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from .models import ApiToken, Profile


class ProfileInline(admin.StackedInline):
    model = Profile
    fields = ["role", "organisation", "phone"]
    autocomplete_fields = ["organisation"]
    can_delete = False


class BangfuUserAdmin(UserAdmin):
    inlines = [ProfileInline]
    list_display = ["username", "first_name", "is_active", "last_login"]


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), BangfuUserAdmin)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "name", "user", "created_at", "last_used_at", "revoked"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]
    list_filter = ["revoked"]
