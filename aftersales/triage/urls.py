from django.urls import path

from aftersales.triage import views

app_name = "triage"
urlpatterns = [
    path("", views.editor, name="editor"),
    path("nodes/new/", views.node_new, name="node_new"),
    path("nodes/<int:pk>/edit/", views.node_edit, name="node_edit"),
    path("nodes/<int:pk>/<str:action>/", views.node_action, name="node_action"),
    path("walk/", views.walk_step, name="walk"),
]
