"""Where artifacts live: every snapshot, adapter, run folder and round file is named here
and opened or written through Django's storage API (`storages["artifacts"]`, settings.STORAGES).

Names are relative POSIX paths ("runs/answers/run-7/trainer.log"); the database stores
names, never absolute paths, so the same rows work wherever the storage is mounted.

The default backend is a folder, settings.ARTIFACTS_DIR. Swapping in an object store means
a new STORAGES["artifacts"] backend, but two things still need a real local folder: the
trainer and the generator are child processes that read and write files (their RUN_DIR,
the snapshot they train on, the adapters they load), and a snapshot is written to a
scratch folder and renamed into place so that nobody sees half of one. `local_path` gives
that folder for a local backend and refuses, with the reason, for any other: a remote
backend would first have to sync a working copy, which nothing does yet.
"""
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.functional import cached_property

STORAGE_ALIAS = "artifacts"


class NotLocal(RuntimeError):
    """The artifact storage has no local folder (an object store): nothing can hand a
    path to a child process or rename a folder into place there."""


class LocalArtifactStorage(FileSystemStorage):
    """A FileSystemStorage rooted at settings.ARTIFACTS_DIR unless given a location; it
    follows a change of that setting (tests point it at a temporary folder)."""

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.ARTIFACTS_DIR)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "ARTIFACTS_DIR":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)


def artifact_storage() -> Storage:
    return storages[STORAGE_ALIAS]


# Names: one function per kind of artifact, so their layout is written down once.

def snapshot_folder(*, project_slug: str, stamp: str, sha256: str) -> str:
    return f"snapshots/{project_slug}/{stamp}-{sha256[:12]}"


def snapshot_scratch_folder(*, project_slug: str, stamp: str, pid: int) -> str:
    """A snapshot is written here, then renamed to its snapshot_folder when complete."""
    return f"snapshots/{project_slug}/.tmp-{stamp}-{pid}"


def snapshot_file(*, snapshot, name: str) -> str:
    return str(PurePosixPath(snapshot.directory) / name)


def run_folder(*, project_slug: str, run_id: int) -> str:
    return f"runs/{project_slug}/run-{run_id}"


def adapter_folder(*, run_folder_name: str) -> str:
    """The trainer writes the adapter into its run folder (training/run.py: RUN_DIR/adapter)."""
    return f"{run_folder_name}/adapter"


def round_folder(*, project_slug: str, round_id: int) -> str:
    return f"rounds/{project_slug}/round-{round_id}"


def judge_folder(*, project_slug: str, number: int) -> str:
    """simulate_loop's judged generations for one round."""
    return f"simulate/{project_slug}/judge-{number}"


def child_file(folder: str, name: str) -> str:
    return str(PurePosixPath(folder) / name)


# Opening, writing, local folders.

def artifact_open(name: str, mode: str = "rb"):
    return artifact_storage().open(name, mode)


def artifact_exists(name: str) -> bool:
    return artifact_storage().exists(name)


def artifact_read_text(name: str) -> str:
    with artifact_open(name, "rb") as f:
        return f.read().decode("utf-8")


def artifact_write_text(name: str, text: str) -> str:
    """Write (or replace) a small text artifact (a spec, a manifest); returns its name."""
    storage = artifact_storage()
    if storage.exists(name):
        storage.delete(name)
    saved = storage.save(name, ContentFile(text.encode("utf-8")))
    if saved != name:  # a backend that renamed it would break every reader of `name`
        raise RuntimeError(f"artifact {name} was stored as {saved}")
    return saved


def local_path(name: str = "") -> Path:
    """The local filesystem path of an artifact (or of the root, with no name), for a
    child process or a rename; NotLocal for a backend without a local folder."""
    storage = artifact_storage()
    # Only a FileSystemStorage keeps its files at storage.path(name); other backends
    # either raise NotImplementedError there or (InMemoryStorage) answer a path that
    # holds nothing.
    if not isinstance(storage, FileSystemStorage):
        raise NotLocal(
            f"the artifact storage ({type(storage).__name__}) has no local folder; the trainer, the generator and "
            f"snapshot writing need one (see feedback/artifacts.py)"
        )
    return Path(storage.path(name))


def local_folder(name: str) -> Path:
    """local_path of a folder, created if missing."""
    path = local_path(name)
    path.mkdir(parents=True, exist_ok=True)
    return path


def name_of(path: Path) -> str:
    """The artifact name of a local path under the storage's folder (what the database keeps)."""
    return Path(path).relative_to(local_path()).as_posix()


def artifact_tail(name: str, *, chars: int) -> str:
    """The last `chars` bytes of a log, decoded; "" when there is none yet."""
    storage = artifact_storage()
    if not storage.exists(name):
        return ""
    with storage.open(name, "rb") as f:
        f.seek(max(0, storage.size(name) - chars))
        return f.read().decode("utf-8", "replace")
