from django.urls import path

from feedback.loop import views

app_name = "loop"

urlpatterns = [
    path("p/<slug:slug>/training/", views.run_list, name="runs"),
    path("p/<slug:slug>/training/train-now/", views.run_request, name="train_now"),
    path("p/<slug:slug>/training/runs/<id:pk>/", views.run_detail, name="run"),
    path("p/<slug:slug>/training/runs/<id:pk>/cancel/", views.run_cancel, name="cancel"),
    path("p/<slug:slug>/adapters/", views.adapter_list, name="adapters"),
    path("p/<slug:slug>/adapters/<id:pk>/promote/", views.adapter_promote, name="promote"),
    path("p/<slug:slug>/adapters/rollback/", views.adapter_rollback, name="rollback"),
    path("p/<slug:slug>/generate/", views.round_request, name="generate"),
    path("p/<slug:slug>/rounds/<id:pk>/", views.round_detail, name="round"),
    path("p/<slug:slug>/rounds/<id:pk>/cancel/", views.round_cancel, name="round_cancel"),
    path("p/<slug:slug>/leaderboard/", views.leaderboard, name="leaderboard"),
]
