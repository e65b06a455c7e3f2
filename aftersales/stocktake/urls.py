from django.urls import path

from aftersales.stocktake import views

app_name = "stocktake"
urlpatterns = [
    path("", views.stocktake_list, name="list"),
    path("new/", views.stocktake_new, name="new"),
    path("<int:pk>/", views.stocktake_detail, name="detail"),
    path("<int:pk>/count/", views.count_sheet, name="count"),
    path("<int:pk>/lines/<int:line_id>/count/", views.count_line, name="count_line"),
    path("<int:pk>/sheet.pdf", views.sheet_pdf, name="sheet_pdf"),
    path("<int:pk>/export.xlsx", views.lines_export, name="export"),
    path("<int:pk>/<str:action>/", views.stocktake_action, name="action"),
]
