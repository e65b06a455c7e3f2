from django.urls import path

from aftersales.org import views

app_name = "org"
urlpatterns = [
    path("", views.people_list, name="people"),
    path("export.xlsx", views.people_export, name="people_export"),
    path("<int:pk>/", views.person_detail, name="person"),
]
