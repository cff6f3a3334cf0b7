"""The artifact storage: names relative to its folder, written and read through Django's
storage API, a local path only where there is a local folder."""
import pytest
from django.core.files.storage import InMemoryStorage

from feedback import artifacts


def test_names_are_relative_and_files_go_through_the_storage(settings, tmp_path):
    settings.ARTIFACTS_DIR = tmp_path / "elsewhere"  # the storage follows the setting
    folder = artifacts.run_folder(project_slug="answers", run_id=7)
    assert folder == "runs/answers/run-7" and artifacts.adapter_folder(run_folder_name=folder) == f"{folder}/adapter"
    name = artifacts.artifact_write_text(artifacts.child_file(folder, "spec.json"), "{}")
    assert artifacts.artifact_write_text(name, '{"again": 1}') == name  # replaced, not renamed
    assert (tmp_path / "elsewhere" / "runs/answers/run-7/spec.json").read_text() == '{"again": 1}'
    assert artifacts.artifact_read_text(name) == '{"again": 1}'
    assert artifacts.local_path(name) == tmp_path / "elsewhere" / name
    assert artifacts.name_of(artifacts.local_path(name)) == name
    assert artifacts.artifact_tail(name, chars=3) == " 1}" and artifacts.artifact_tail("runs/none.log", chars=3) == ""


def test_a_storage_without_a_local_folder_says_so(settings):
    settings.STORAGES = {**settings.STORAGES, "artifacts": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    assert isinstance(artifacts.artifact_storage(), InMemoryStorage)
    name = artifacts.artifact_write_text("rounds/answers/round-1/generate.json", "{}")
    assert artifacts.artifact_read_text(name) == "{}"  # reading and writing work on any backend
    with pytest.raises(artifacts.NotLocal, match="has no local folder"):
        artifacts.local_path(name)  # the trainer's RUN_DIR does not
