from django.urls import path

from feedback.quality import views

app_name = "quality"

urlpatterns = [
    path("p/<slug:slug>/quality/", views.dashboard, name="dashboard"),
    path("p/<slug:slug>/quality/disputed/", views.adjudication_queue, name="queue"),
    path("p/<slug:slug>/quality/tasks/<id:task_id>/adjudicate/", views.adjudicate, name="adjudicate"),
    path("p/<slug:slug>/quality/gold/", views.gold, name="gold"),
    path("p/<slug:slug>/quality/gold/<id:task_id>/unmark/", views.gold_unmark, name="gold_unmark"),
    path("p/<slug:slug>/quality/calibration/", views.calibration_add, name="calibration_add"),
    path("p/<slug:slug>/quality/annotators/<int32:user_id>/tier/", views.tier_apply, name="tier"),
    path("p/<slug:slug>/codebook/quiz/", views.quiz, name="quiz"),
]
