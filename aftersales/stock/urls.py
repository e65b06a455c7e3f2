from django.urls import path

from aftersales.stock import views

app_name = "stock"
urlpatterns = [
    path("", views.levels, name="levels"),
    path("export.xlsx", views.levels_export, name="levels_export"),
    path("parts/<int:pk>/", views.part_card, name="part"),
    path("move/<str:kind>/", views.move_form, name="move"),
    path("writeoffs/", views.writeoffs, name="writeoffs"),
    path("writeoffs/<int:pk>/decide/", views.writeoff_decision, name="writeoff_decide"),
    path("loans/", views.loans, name="loans"),
    path("loans/export.xlsx", views.loans_export, name="loans_export"),
    path("loans/<int:pk>/return/", views.loan_return, name="loan_return"),
]
