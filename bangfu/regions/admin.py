from django.contrib import admin

from .models import Pairing, Region


class PairingInline(admin.TabularInline):
    model = Pairing
    fields = ["kind", "year_from", "year_to", "notes"]
    extra = 0


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["county", "prefecture", "province", "code", "is_832"]
    list_filter = ["is_832", "province"]
    search_fields = ["county", "prefecture", "province", "code"]
    inlines = [PairingInline]
