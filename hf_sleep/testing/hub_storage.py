"""The storage of the local Hub: repositories, revisions, files and commits on disk, without git.

Every commit is a JSON snapshot `{path: blob}` under `repos/<type>s/<namespace>/<name>/commits/<oid>.json`,
`refs.json` maps branch names to commit ids, and file contents live once each under `objects/<sha256>`.
`hub_server.LocalHub` answers the Hub's HTTP API from it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote

REPO_TYPES = ("model", "dataset", "space")
# Files the real Hub stores with LFS through its default .gitattributes, plus anything over 10 MB.
LFS_SUFFIXES = (
    ".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".h5", ".onnx", ".npy", ".npz", ".parquet", ".arrow",
    ".pkl", ".pickle", ".zip", ".gz", ".tar", ".msgpack", ".edf",
)  # fmt: skip
LFS_THRESHOLD = 10 * 1024 * 1024
GITATTRIBUTES = "".join(
    f"*{suffix} filter=lfs diff=lfs merge=lfs -text\n" for suffix in LFS_SUFFIXES
).encode()


def git_blob_id(content: bytes) -> str:
    """The git object id (SHA-1) of a blob, which the Hub reports for regular files."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def lfs_pointer(sha256: str, size: int) -> bytes:
    """The git-lfs pointer file that stands in the git tree for an LFS object."""
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()


class HubError(Exception):
    """An error answer: status, the `X-Error-Code` the client maps to an exception class, and a message."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


@dataclass
class Blob:
    """A file of a commit: its content's SHA-256 and size, and how the Hub stores it."""

    sha256: str
    size: int
    lfs: bool
    git_oid: str  # of the content for regular files, of the pointer for LFS files

    def tree_entry(self, path: str) -> dict[str, Any]:
        entry: dict[str, Any] = {"type": "file", "path": path, "size": self.size, "oid": self.git_oid}
        if self.lfs:
            entry["lfs"] = {
                "oid": self.sha256,
                "size": self.size,
                "pointerSize": len(lfs_pointer(self.sha256, self.size)),
            }
        return entry


@dataclass
class Commit:
    """A snapshot of a repository: every file by path, the parent commit and the message."""

    oid: str
    parent: str | None
    title: str
    description: str
    date: str
    files: dict[str, Blob] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "oid": self.oid,
            "parent": self.parent,
            "title": self.title,
            "description": self.description,
            "date": self.date,
            "files": {path: vars(blob) for path, blob in self.files.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Commit:
        files = {path: Blob(**blob) for path, blob in data.pop("files").items()}
        return cls(files=files, **data)


class HubStorage:
    """Repositories under `root`: content-addressed objects, commits and refs.

    Not thread-safe: the server holds its lock around every request.

    Args:
        root: the storage folder.
    """

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)
        (self.root / "objects").mkdir(parents=True, exist_ok=True)

    # ----------------------------------------------------------------------------------------- repositories
    def repo_dir(self, repo_type: str, repo_id: str) -> Path:
        return self.root / "repos" / f"{repo_type}s" / repo_id

    def repo_exists(self, repo_type: str, repo_id: str) -> bool:
        return self.repo_dir(repo_type, repo_id).is_dir()

    def create_repo(self, repo_type: str, repo_id: str) -> Commit:
        """A new repository whose first commit holds the default `.gitattributes`."""
        files = {".gitattributes": self.blob_for(".gitattributes", GITATTRIBUTES)}
        return self.new_commit(repo_type, repo_id, None, files, "initial commit", "")

    def delete_repo(self, repo_type: str, repo_id: str) -> None:
        shutil.rmtree(self.repo_dir(repo_type, repo_id))

    # ---------------------------------------------------------------------------------------------- objects
    def object_path(self, sha256: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise HubError(400, f"invalid object id {sha256!r}")
        return self.root / "objects" / sha256

    def read_object(self, sha256: str) -> bytes:
        return self.object_path(sha256).read_bytes()

    def write_object(self, content: bytes) -> str:
        sha256 = hashlib.sha256(content).hexdigest()
        path = self.object_path(sha256)
        if not path.exists():
            tmp = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
            tmp.write_bytes(content)
            os.replace(tmp, path)
        return sha256

    @staticmethod
    def is_lfs(path: str, size: int) -> bool:
        return path.lower().endswith(LFS_SUFFIXES) or size >= LFS_THRESHOLD

    def blob_for(self, path: str, content: bytes) -> Blob:
        """Stores `content` and describes it as the file `path`."""
        sha256 = self.write_object(content)
        lfs = self.is_lfs(path, len(content))
        git_oid = git_blob_id(lfs_pointer(sha256, len(content)) if lfs else content)
        return Blob(sha256=sha256, size=len(content), lfs=lfs, git_oid=git_oid)

    def lfs_blob(self, sha256: str, path: str) -> Blob:
        """The file `path` whose content is the uploaded LFS object `sha256`."""
        stored = self.object_path(sha256)
        if not stored.exists():
            raise HubError(400, f"LFS object {sha256} for {path} was never uploaded")
        size = stored.stat().st_size
        return Blob(sha256=sha256, size=size, lfs=True, git_oid=git_blob_id(lfs_pointer(sha256, size)))

    # ---------------------------------------------------------------------------------------------- commits
    def refs(self, repo_type: str, repo_id: str) -> dict[str, str]:
        path = self.repo_dir(repo_type, repo_id) / "refs.json"
        if not path.is_file():
            raise HubError(404, f"Repository {repo_id} not found", "RepoNotFound")
        return json.loads(path.read_text())

    def load_commit(self, repo_type: str, repo_id: str, oid: str) -> Commit:
        path = self.repo_dir(repo_type, repo_id) / "commits" / f"{oid}.json"
        return Commit.from_json(json.loads(path.read_text()))

    def resolve_commit(self, repo_type: str, repo_id: str, revision: str) -> Commit:
        """The commit a branch name or a commit id names."""
        refs = self.refs(repo_type, repo_id)
        revision = unquote(revision)
        if revision in refs:
            return self.load_commit(repo_type, repo_id, refs[revision])
        commit_file = self.repo_dir(repo_type, repo_id) / "commits" / f"{revision}.json"
        if re.fullmatch(r"[0-9a-f]{40}", revision) and commit_file.is_file():
            return self.load_commit(repo_type, repo_id, revision)
        raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")

    def history(self, repo_type: str, repo_id: str, revision: str) -> list[Commit]:
        """The commits leading to `revision`, newest first."""
        commits = []
        commit: Commit | None = self.resolve_commit(repo_type, repo_id, revision)
        while commit is not None:
            commits.append(commit)
            commit = self.load_commit(repo_type, repo_id, commit.parent) if commit.parent else None
        return commits

    def new_commit(
        self,
        repo_type: str,
        repo_id: str,
        parent: Commit | None,
        files: dict[str, Blob],
        title: str,
        description: str,
    ) -> Commit:
        """Writes a commit of `files` on top of `parent` and moves `main` to it."""
        seed = json.dumps([parent.oid if parent else None, title, time.time_ns(), sorted(files)]).encode()
        commit = Commit(
            oid=hashlib.sha1(seed).hexdigest(),
            parent=parent.oid if parent else None,
            title=title,
            description=description,
            date=datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            files=files,
        )
        repo_dir = self.repo_dir(repo_type, repo_id)
        (repo_dir / "commits").mkdir(parents=True, exist_ok=True)
        (repo_dir / "commits" / f"{commit.oid}.json").write_text(json.dumps(commit.to_json()))
        refs_path = repo_dir / "refs.json"
        refs = json.loads(refs_path.read_text()) if refs_path.is_file() else {}
        refs["main"] = commit.oid
        tmp = refs_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(refs))
        os.replace(tmp, refs_path)
        return commit
