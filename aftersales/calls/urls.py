from django.urls import path

from aftersales.calls import dispatch_views, escalation_views, order_views, photo_views, views

app_name = "calls"
urlpatterns = [
    path("", views.call_list, name="list"),
    path("export.xlsx", views.call_export, name="export"),
    path("register.pdf", views.call_register_pdf, name="register_pdf"),
    path("new/", views.call_new, name="new"),
    path("new/lookup/", views.call_lookup, name="lookup"),
    path("<int:pk>/", views.call_detail, name="detail"),
    path("board/", dispatch_views.board, name="board"),
    path("board/orders/<int:pk>/controls/", dispatch_views.board_controls, name="board_controls"),
    path("board/orders/<int:pk>/assign/", dispatch_views.board_assign, name="board_assign"),
    path("board/orders/<int:pk>/appointment/", dispatch_views.board_appointment, name="board_appointment"),
    path("orders/<int:pk>/", order_views.order_detail, name="order"),
    path("orders/<int:pk>/settle/", order_views.order_settle_view, name="order_settle"),
    path("orders/<int:pk>/close/", order_views.order_close_view, name="order_close"),
    path("orders/<int:pk>/onsite/", order_views.onsite, name="onsite"),
    path("orders/<int:pk>/report.pdf", order_views.report_pdf, name="report_pdf"),
    path("orders/<int:pk>/photos/", photo_views.photo_upload, name="photo_upload"),
    path("photos/<int:photo_id>/<str:size>.jpg", photo_views.photo_file, name="photo"),
    path("photos/<int:photo_id>/remove/", photo_views.photo_remove_view, name="photo_remove"),
    path("orders/<int:pk>/escalate/", escalation_views.escalation_raise_view, name="escalation_raise"),
    path(
        "escalations/<int:escalation_id>/answer/",
        escalation_views.escalation_answer_view,
        name="escalation_answer",
    ),
    path(
        "escalations/<int:escalation_id>/result/",
        escalation_views.escalation_result_view,
        name="escalation_result",
    ),
]
