from django.urls import path

from aftersales.charges import money_views, views

app_name = "charges"
urlpatterns = [
    path("orders/<int:order_id>/quote/", views.quote_new, name="quote_new"),
    path("quotes/<int:pk>/", views.quote_detail, name="quote"),
    path("quotes/<int:pk>/<str:action>/", views.quote_action, name="quote_action"),
    path("accounts/", money_views.accounts, name="accounts"),
    path("accounts/export.xlsx", money_views.accounts_export, name="accounts_export"),
    path("invoices/<int:pk>/<str:action>/", money_views.invoice_action, name="invoice_action"),
    path("margins/", money_views.margins_page, name="margins"),
    path("margins/export.xlsx", money_views.margins_export, name="margins_export"),
]
