from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from feedback.api.views import exports, labelling, labels, leaderboard, projects, tokens

app_name = "api"

v1 = [
    path("projects/", projects.ProjectList.as_view(), name="projects"),
    path("projects/<slug:slug>/", projects.ProjectDetail.as_view(), name="project"),
    path("projects/<slug:slug>/codebooks/", projects.CodebookList.as_view(), name="codebooks"),
    path("projects/<slug:slug>/codebooks/acknowledge/", labelling.AcknowledgeCodebook.as_view(), name="acknowledge"),
    path("projects/<slug:slug>/prompts/", projects.PromptList.as_view(), name="prompts"),
    path("projects/<slug:slug>/prompts/import/", projects.PromptImport.as_view(), name="prompt_import"),
    path("projects/<slug:slug>/tasks/", projects.TaskList.as_view(), name="tasks"),
    path("projects/<slug:slug>/next/", labelling.NextTask.as_view(), name="next"),
    path("projects/<slug:slug>/assignments/<id:assignment_id>/submit/", labelling.SubmitLabel.as_view(), name="submit"),
    path("projects/<slug:slug>/assignments/<id:assignment_id>/skip/", labelling.SkipTask.as_view(), name="skip"),
    path("projects/<slug:slug>/labels/", labels.LabelList.as_view(), name="labels"),
    path("projects/<slug:slug>/export/", exports.Export.as_view(), name="export"),
    path("projects/<slug:slug>/export/manifest/", exports.ExportManifest.as_view(), name="export_manifest"),
    path("projects/<slug:slug>/snapshots/", exports.SnapshotList.as_view(), name="snapshots"),
    path("projects/<slug:slug>/snapshots/<id:snapshot_id>/<str:name>", exports.SnapshotFile.as_view(), name="snapshot_file"),
    path("projects/<slug:slug>/leaderboard/", leaderboard.Leaderboard.as_view(), name="leaderboard"),
    path("token/", tokens.MyToken.as_view(), name="token"),
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
] + [path("v1/" + str(p.pattern), p.callback, name=p.name) for p in v1]
