from django.contrib import admin

from aftersales.catalog.models import ProductLine


@admin.register(ProductLine)
class ProductLineAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "active"]
    search_fields = ["code", "name", "name_en"]
