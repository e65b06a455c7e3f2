from django.contrib import admin

from aftersales.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["recipient", "kind", "title", "created_at", "read_at"]
    list_filter = ["kind"]
    readonly_fields = [
        "recipient",
        "kind",
        "title",
        "body",
        "url",
        "subject_type",
        "subject_id",
        "created_at",
    ]
