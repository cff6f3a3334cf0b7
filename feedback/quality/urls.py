from django.urls import path

from feedback.quality import views

app_name = "quality"

urlpatterns = [
    path("p/<slug:slug>/quality/", views.dashboard_page, name="dashboard"),
    path("p/<slug:slug>/quality/disputed/", views.adjudication_queue_page, name="queue"),
    path("p/<slug:slug>/quality/tasks/<id:task_id>/adjudicate/", views.adjudicate_page, name="adjudicate"),
    path("p/<slug:slug>/quality/gold/", views.gold_page, name="gold"),
    path("p/<slug:slug>/quality/gold/<id:task_id>/unmark/", views.gold_unmark_view, name="gold_unmark"),
    path("p/<slug:slug>/quality/calibration/", views.calibration_add_view, name="calibration_add"),
    path("p/<slug:slug>/quality/annotators/<int32:user_id>/tier/", views.tier_apply_view, name="tier"),
    path("p/<slug:slug>/codebook/quiz/", views.quiz_view, name="quiz"),
]
