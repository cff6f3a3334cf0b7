from django.urls import path

from feedback.quality import views

app_name = "quality"

urlpatterns = [
    path("p/<slug:slug>/quality/", views.dashboard_page, name="dashboard"),
    path("p/<slug:slug>/quality/tasks/<int:task_id>/adjudicate/", views.adjudicate_page, name="adjudicate"),
    path("p/<slug:slug>/quality/annotators/<int:user_id>/tier/", views.tier_apply_view, name="tier"),
    path("p/<slug:slug>/codebook/quiz/", views.quiz_view, name="quiz"),
]
