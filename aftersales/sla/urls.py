from django.urls import path
from django.views.generic.base import RedirectView

from aftersales.sla import views

app_name = "sla"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="sla:clocks", permanent=False)),
    path("clocks/", views.clock_list, name="clocks"),
    path("clocks/export.xlsx", views.clock_export, name="clocks_export"),
    path("calendar/", views.calendar_month, name="calendar"),
    path("calendar/day/", views.calendar_day, name="calendar_day"),
    path("calendar/years/", views.calendar_years, name="years"),
    path("calendar/years/<int:year>/", views.calendar_year_edit, name="year"),
    path("policies/", views.policy_list, name="policies"),
    path("policies/new/", views.policy_override_new, name="policy_new"),
    path("policies/<int:pk>/", views.policy_detail, name="policy"),
    path("policies/<int:pk>/retire/", views.policy_retire, name="policy_retire"),
    path("reports/", views.report, name="reports"),
    path("reports/export.xlsx", views.report_export, name="report_export"),
    path("reports/breached.xlsx", views.report_breached_export, name="report_breached_export"),
]
