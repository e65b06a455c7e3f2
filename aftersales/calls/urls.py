from django.urls import path

from aftersales.calls import views

app_name = "calls"
urlpatterns = [
    path("", views.call_list, name="list"),
    path("export.xlsx", views.call_export, name="export"),
    path("new/", views.call_new, name="new"),
    path("new/lookup/", views.call_lookup, name="lookup"),
    path("<int:pk>/", views.call_detail, name="detail"),
]
