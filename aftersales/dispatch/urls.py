from django.urls import path

from aftersales.dispatch import views

app_name = "dispatch"
urlpatterns = [
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/export.xlsx", views.plan_export, name="plan_export"),
    path("plans/<int:pk>/accept/", views.plan_accept_view, name="plan_accept"),
    path("plans/<int:pk>/move/", views.plan_move_view, name="plan_move"),
    path("plans/<int:pk>/reject/", views.plan_reject_view, name="plan_reject"),
]
