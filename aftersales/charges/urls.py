from django.urls import path

from aftersales.charges import views

app_name = "charges"
urlpatterns = [
    path("orders/<int:order_id>/quote/", views.quote_new, name="quote_new"),
    path("quotes/<int:pk>/", views.quote_detail, name="quote"),
    path("quotes/<int:pk>/<str:action>/", views.quote_action, name="quote_action"),
    path("accounts/", views.accounts, name="accounts"),
    path("accounts/export.xlsx", views.accounts_export, name="accounts_export"),
]
