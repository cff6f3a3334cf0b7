from django.urls import path

from feedback.labelling.views import codebooks, imports, labelling, labels, projects, revisions

app_name = "labelling"

urlpatterns = [
    path("", projects.project_list, name="project_list"),
    path("p/<slug:slug>/label/", labelling.label_next, name="label"),
    path("p/<slug:slug>/label/<id:assignment_id>/submit/", labelling.label_submit, name="submit"),
    path("p/<slug:slug>/label/<id:assignment_id>/skip/", labelling.label_skip, name="skip"),
    path("p/<slug:slug>/label/undo/", labelling.label_undo, name="undo_last"),
    path("p/<slug:slug>/codebook/", codebooks.codebook_detail, name="codebook"),
    path("p/<slug:slug>/codebook/v<int32:version>/", codebooks.codebook_detail, name="codebook_version"),
    path("p/<slug:slug>/codebook/acknowledge/", codebooks.codebook_acknowledge, name="codebook_ack"),
    path("p/<slug:slug>/codebook/edit/", codebooks.codebook_edit, name="codebook_edit"),
    path("p/<slug:slug>/labels/", labels.label_list, name="labels"),
    path("p/<slug:slug>/labels/<id:pk>/", labels.label_detail, name="label_detail"),
    path("p/<slug:slug>/labels/<id:pk>/edit/", revisions.label_edit_view, name="label_edit"),
    path("p/<slug:slug>/labels/<id:pk>/undo/", revisions.label_undo_view, name="label_undo"),
    path("p/<slug:slug>/import/", imports.prompt_import, name="import"),
]
