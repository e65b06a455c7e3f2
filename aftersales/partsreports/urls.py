from django.urls import path

from aftersales.partsreports import views

app_name = "partsreports"
urlpatterns = [
    path("slow-moving/", views.slow_moving_page, name="slow_moving"),
    path("slow-moving/export.xlsx", views.slow_moving_export, name="slow_moving_export"),
    path("replenishment/", views.replenishment_page, name="replenishment"),
    path("replenishment/export.xlsx", views.replenishment_export, name="replenishment_export"),
    path("analysis/", views.analysis_page, name="analysis"),
    path("analysis/export.xlsx", views.analysis_export, name="analysis_export"),
]
