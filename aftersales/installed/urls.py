from django.urls import path
from django.views.generic.base import RedirectView

from aftersales.installed import views

app_name = "installed"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="installed:units", permanent=False)),
    path("units/", views.unit_list, name="units"),
    path("units/export.xlsx", views.unit_export, name="units_export"),
    path("units/new/", views.unit_new, name="unit_new"),
    path("units/<int:pk>/", views.unit_detail, name="unit"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<int:pk>/record.pdf", views.unit_record_pdf, name="unit_pdf"),
    path("import/", views.data_import, name="import"),
    path("import/template.xlsx", views.data_import_template, name="import_template"),
    path("import/parts/export.xlsx", views.parts_export, name="parts_export"),
    path("import/<slug:kind>/", views.data_import, name="import_kind"),
    path("import/<slug:kind>/template.xlsx", views.data_import_template, name="import_kind_template"),
    path("contracts/", views.contract_list, name="contracts"),
    path("contracts/export.xlsx", views.contract_export, name="contracts_export"),
    path("contracts/new/", views.contract_new, name="contract_new"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract"),
    path("contracts/<int:pk>/state/", views.contract_state, name="contract_state"),
    path("sites/new/<int:customer_id>/", views.site_new, name="site_new"),
]
