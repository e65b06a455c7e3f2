from django.urls import path

from aftersales.supply import views

app_name = "supply"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("export.xlsx", views.request_export, name="export"),
    path("new/", views.request_new, name="new"),
    path("closeout/", views.closeout_list, name="closeout"),
    path("shipping/", views.shipping_day, name="shipping"),
    path("shipping/list.pdf", views.shipping_pdf, name="shipping_pdf"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/request.pdf", views.request_pdf, name="pdf"),
    path("<int:pk>/<slug:action>/", views.request_action, name="action"),
]
