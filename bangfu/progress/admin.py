from django.contrib import admin

from .models import ReportingCalendar


@admin.register(ReportingCalendar)
class ReportingCalendarAdmin(admin.ModelAdmin):
    """The day units report by is also set on the calendar page; the list of expected units here."""

    list_display = ["plan", "due_day", "updated_at"]
    filter_horizontal = ["units"]
