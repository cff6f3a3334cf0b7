from django.urls import path

from feedback.exports import views

app_name = "exports"

urlpatterns = [
    path("p/<slug:slug>/export/", views.export_page, name="export"),
    path("p/<slug:slug>/export/download/", views.export_download, name="download"),
    path("p/<slug:slug>/export/snapshot/", views.export_snapshot, name="snapshot"),
]
