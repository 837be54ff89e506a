"""A local, Hub-compatible HTTP server for testing publishing and loading without the internet.

It implements the endpoints that `huggingface_hub` (and through it `transformers` and `datasets`) call to
create a repository, validate a card's YAML, pre-upload, upload LFS objects, commit, read repository
information, list the tree and download files (`resolve`, with the `X-Repo-Commit`, `ETag`,
`X-Linked-Etag` and `X-Linked-Size` headers the client relies on). This module routes the requests; the
repositories, commits and files are kept by `hub_storage.HubStorage`.

Point a client at it by setting `HF_ENDPOINT` (and `HF_HUB_DISABLE_XET=1`, so uploads use plain LFS)
*before* `huggingface_hub` is imported; `hub_client_env` builds such an environment for a subprocess.

    with LocalHub(tokens={"hf_writer": "alice"}) as hub:
        env = hub_client_env(hub.endpoint, hf_home=tmp_path / "hf_home", token="hf_writer")
        subprocess.run([sys.executable, "client_script.py"], env=env, check=True)

Failure injection for the client's error paths: `hub.drop_connections("/commit/")` (or a
`POST /__control/drop {"path_contains": "/commit/"}` from the client process) makes the next matching
request lose its connection without an answer; `hub.fail_requests("/commit/", status=500)` (or
`POST /__control/fail {"path_contains": "/commit/", "status": 500}`) answers it with that server error; an
unknown token is answered with 401.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import signal
import socket
import sys
import tempfile
import threading
import uuid
from collections.abc import Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

from .hub_storage import REPO_TYPES, Commit, HubError, HubStorage, git_blob_id, lfs_pointer

# Licence ids the validator accepts (a subset of the Hub's list that covers what this project publishes).
KNOWN_LICENSES = frozenset(
    {
        "apache-2.0", "mit", "bsd", "bsd-2-clause", "bsd-3-clause", "cc-by-4.0", "cc-by-sa-4.0", "cc-by-nc-4.0",
        "cc0-1.0", "gpl-3.0", "lgpl-3.0", "odc-by", "odbl", "openrail", "other", "unknown",
    }
)  # fmt: skip


def hub_client_env(
    endpoint: str,
    *,
    hf_home: str | os.PathLike,
    token: str | None = None,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """An environment for a fresh interpreter whose `huggingface_hub` talks to `endpoint` and nothing else.

    Args:
        endpoint: the local server's URL.
        hf_home: a private `HF_HOME` (cache, modules, token file), so tests never touch the user's.
        token: the token to send, or `None` for anonymous requests.
        base: environment to start from (default: `os.environ`); offline switches and tokens are dropped.
    """
    env = {
        key: value
        for key, value in (os.environ if base is None else base).items()
        if key
        not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE", "HF_TOKEN", "HF_HUB_CACHE")
        and not key.startswith("HF_DATASETS_CACHE")
    }
    env.update(
        HF_ENDPOINT=endpoint,
        HF_HUB_DISABLE_XET="1",
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        HF_HUB_ETAG_TIMEOUT="30",
        HF_HUB_DOWNLOAD_TIMEOUT="30",
        HF_HOME=str(hf_home),
        HF_HUB_OFFLINE="0",
        HF_DATASETS_OFFLINE="0",
    )
    if token is not None:
        env["HF_TOKEN"] = token
    return env


class LocalHub:
    """A threaded Hub-compatible server on 127.0.0.1 storing repositories under `root` (`self.storage`).

    Args:
        root: storage folder (a temporary one, removed on `stop`, when not given).
        tokens: `{token: user name}` of accepted tokens; a user may write to its own namespace and to `orgs`.
        orgs: `{organisation: [member names]}`.
        port: 0 picks a free port.
    """

    def __init__(
        self,
        root: str | os.PathLike | None = None,
        tokens: Mapping[str, str] | None = None,
        orgs: Mapping[str, list[str]] | None = None,
        port: int = 0,
    ) -> None:
        self._tmp = None if root is not None else tempfile.TemporaryDirectory(prefix="hf_sleep_hub_")
        self.root = Path(root if root is not None else self._tmp.name)
        self.storage = HubStorage(self.root)
        self.tokens = dict(tokens or {"hf_test_writer": "tester"})
        self.orgs = {org: list(members) for org, members in (orgs or {}).items()}
        self.requests: list[tuple[str, str, int]] = []
        self.unhandled: list[tuple[str, str]] = []
        self._drops: list[list[Any]] = []
        self._lock = threading.RLock()
        self._secret = uuid.uuid4().hex
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _make_handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------------------------------------- life
    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> LocalHub:
        if self._thread is None:
            self._thread = threading.Thread(target=self._server.serve_forever, name="LocalHub", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> LocalHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------------------------ failure control
    def drop_connections(self, path_contains: str, times: int = 1, method: str | None = None) -> None:
        """Closes the connection without an answer for the next `times` requests whose path contains the text."""
        with self._lock:
            self._drops.append([path_contains, method, times, None])

    def fail_requests(self, path_contains: str, status: int = 500, times: int = 1, method: str | None = None) -> None:
        """Answers the next `times` requests whose path contains the text with the server error `status`."""
        with self._lock:
            self._drops.append([path_contains, method, times, int(status)])

    def clear_failures(self) -> None:
        """Disarms every injected drop and server error not yet used."""
        with self._lock:
            self._drops.clear()

    def _injected_failure(self, method: str, path: str) -> tuple[bool, int | None]:
        """`(True, None)`: drop the connection; `(True, status)`: answer with that error; `(False, None)`: serve."""
        with self._lock:
            for rule in self._drops:
                if rule[0] in path and (rule[1] is None or rule[1] == method) and rule[2] > 0:
                    rule[2] -= 1
                    return True, rule[3]
        return False, None

    # ------------------------------------------------------------------------------------- inspection API
    def repo_exists(self, repo_id: str, repo_type: str = "model") -> bool:
        return self.storage.repo_exists(repo_type, repo_id)

    def head(self, repo_id: str, repo_type: str = "model", revision: str = "main") -> str:
        """The commit id a revision points to."""
        return self.storage.resolve_commit(repo_type, repo_id, revision).oid

    def files(self, repo_id: str, repo_type: str = "model", revision: str = "main") -> dict[str, bytes]:
        """The files of a revision, `{path: content}`."""
        commit = self.storage.resolve_commit(repo_type, repo_id, revision)
        return {path: self.storage.read_object(blob.sha256) for path, blob in commit.files.items()}

    def commits(self, repo_id: str, repo_type: str = "model") -> list[str]:
        """Commit ids of `main`, newest first."""
        return [commit.oid for commit in self.storage.history(repo_type, repo_id, "main")]

    # -------------------------------------------------------------------------------------------- auth
    def _user(self, headers: Mapping[str, str], required: bool) -> str | None:
        authorization = headers.get("Authorization") or ""
        if not authorization.startswith("Bearer "):
            if required:
                raise HubError(401, "You must be authenticated to do this (no token was sent)")
            return None
        token = authorization.removeprefix("Bearer ").strip()
        if token not in self.tokens:
            # The exact message the client recognises as a bad token (not as a missing repository).
            raise HubError(401, "Invalid credentials in Authorization header")
        return self.tokens[token]

    def _check_write(self, user: str | None, repo_id: str) -> None:
        namespace = repo_id.split("/")[0]
        if user is None:
            raise HubError(401, "You must be authenticated to write")
        if namespace != user and user not in self.orgs.get(namespace, []):
            raise HubError(403, f"You don't have the rights to write to {repo_id}")

    # ----------------------------------------------------------------------------------------- handlers
    def handle(self, method: str, raw_path: str, headers: Mapping[str, str], body: bytes) -> tuple:
        """Routes one request; returns `(status, headers, body)`."""
        split = urlsplit(raw_path)
        path, query = split.path, parse_qs(split.query, keep_blank_values=True)
        with self._lock:
            user = self._user(headers, required=False)
            if path == "/api/whoami-v2" and method == "GET":
                if user is None:
                    raise HubError(401, "Invalid credentials in Authorization header")
                return _json(
                    {
                        "type": "user",
                        "name": user,
                        "orgs": [{"name": o} for o, m in self.orgs.items() if user in m],
                        "auth": {
                            "type": "access_token",
                            "accessToken": {"displayName": "test", "role": "write"},
                        },
                    }
                )
            if path == "/api/validate-yaml" and method == "POST":
                return self._validate_yaml(json.loads(body or b"{}"))
            if path in ("/api/repos/create", "/api/repos/delete") and method == "POST":
                return self._create_or_delete(path.endswith("create"), json.loads(body or b"{}"), user)
            if path == "/__control/drop" and method == "POST":
                # Lets a client process under test arm a failure without access to this object.
                rule = json.loads(body or b"{}")
                self.drop_connections(rule["path_contains"], int(rule.get("times", 1)), rule.get("method"))
                return _json({"ok": True})
            if path == "/__control/fail" and method == "POST":
                rule = json.loads(body or b"{}")
                self.fail_requests(
                    rule["path_contains"], int(rule.get("status", 500)), int(rule.get("times", 1)), rule.get("method")
                )
                return _json({"ok": True})
            if path.startswith("/__lfs/"):
                return self._lfs_object(method, path.removeprefix("/__lfs/"), query, body)
            match = re.fullmatch(r"/api/(models|datasets|spaces)/([^/]+/[^/]+)(?:/(.*))?", path)
            if match:
                return self._api(
                    method,
                    match.group(1)[:-1],
                    match.group(2),
                    match.group(3) or "",
                    query,
                    headers,
                    body,
                    user,
                )
            match = re.fullmatch(r"/(?:(datasets|spaces)/)?([^/]+/[^/]+?)\.git/info/lfs/objects/batch", path)
            if match:
                return self._lfs_batch(
                    (match.group(1) or "models")[:-1], match.group(2), json.loads(body), user
                )
            match = re.fullmatch(r"/(?:(datasets|spaces)/)?([^/]+/[^/]+)/resolve/([^/]+)/(.+)", path)
            if match and method in ("GET", "HEAD"):
                repo_type = (match.group(1) or "models")[:-1]
                return self._resolve(
                    repo_type, match.group(2), match.group(3), unquote(match.group(4)), method, headers
                )
        self.unhandled.append((method, raw_path))
        raise HubError(404, f"the local Hub does not implement {method} {path}")

    def _validate_yaml(self, payload: dict[str, Any]) -> tuple:
        content = payload.get("content", "")
        match = re.match(r"^---\s*\n(.*?)\n---\s*\n", content, re.DOTALL)
        errors: list[str] = []
        warnings: list[dict[str, str]] = []
        if not match:
            warnings.append({"message": "empty or missing yaml metadata in repo card"})
            return _json({"errors": [], "warnings": warnings})
        try:
            metadata = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError as error:
            return _json({"errors": [{"message": f"Invalid YAML: {error}"}], "warnings": []}, status=400)
        if not isinstance(metadata, dict):
            errors.append("YAML metadata must be a mapping")
        else:
            license_id = metadata.get("license")
            if license_id is not None and license_id not in KNOWN_LICENSES:
                errors.append(f'"license" must be one of the Hub licence ids, got {license_id!r}')
            for key in ("tags", "datasets", "metrics"):
                if key in metadata and not (
                    isinstance(metadata[key], list) and all(isinstance(v, str) for v in metadata[key])
                ):
                    errors.append(f'"{key}" must be a list of strings')
            errors.extend(_model_index_errors(metadata.get("model-index")))
        status = 400 if errors else 200
        return _json({"errors": [{"message": e} for e in errors], "warnings": warnings}, status=status)

    def _create_or_delete(self, create: bool, payload: dict[str, Any], user: str | None) -> tuple:
        repo_type = payload.get("type") or "model"
        name = payload.get("name") or ""
        namespace = payload.get("organization") or user
        if repo_type not in REPO_TYPES or not re.fullmatch(r"[\w.-]{1,96}", name) or not namespace:
            raise HubError(400, f"invalid repository name or type: {namespace}/{name} ({repo_type})")
        repo_id = f"{namespace}/{name}"
        self._check_write(user, repo_id)
        prefix = "" if repo_type == "model" else f"{repo_type}s/"
        url = f"{self.endpoint}/{prefix}{repo_id}"
        exists = self.repo_exists(repo_id, repo_type)
        if not create:
            if not exists:
                raise HubError(404, f"Repository {repo_id} not found", "RepoNotFound")
            self.storage.delete_repo(repo_type, repo_id)
            return _json({})
        if exists:
            return _json({"error": "You already created this repo", "url": url}, status=409)
        self.storage.create_repo(repo_type, repo_id)
        return _json({"url": url, "name": repo_id, "id": uuid.uuid4().hex[:24]})

    def _api(
        self, method: str, repo_type: str, repo_id: str, rest: str, query: dict, headers: Mapping[str, str],
        body: bytes, user: str | None,
    ) -> tuple:  # fmt: skip
        if rest == "" and method == "GET":
            return self._info(repo_type, repo_id, "main")
        match = re.fullmatch(r"revision/(.+)", rest)
        if match and method == "GET":
            return self._info(repo_type, repo_id, match.group(1))
        match = re.fullmatch(r"preupload/(.+)", rest)
        if match and method == "POST":
            self._check_write(user, repo_id)
            return self._preupload(repo_type, repo_id, match.group(1), json.loads(body))
        match = re.fullmatch(r"commit/(.+)", rest)
        if match and method == "POST":
            self._check_write(user, repo_id)
            return self._commit(repo_type, repo_id, match.group(1), body)
        match = re.fullmatch(r"tree/([^/]+)(?:/(.*))?", rest)
        if match and method == "GET":
            recursive = query.get("recursive", ["false"])[0].lower() in ("1", "true")
            expand = query.get("expand", ["false"])[0].lower() in ("1", "true")
            return self._tree(
                repo_type, repo_id, match.group(1), unquote(match.group(2) or ""), recursive, expand
            )
        match = re.fullmatch(r"paths-info/(.+)", rest)
        if match and method == "POST":
            form = parse_qs(body.decode(), keep_blank_values=True)
            expand = form.get("expand", ["false"])[0].lower() in ("1", "true")
            return self._paths_info(repo_type, repo_id, match.group(1), form.get("paths", []), expand)
        if rest == "refs" and method == "GET":
            refs = self.storage.refs(repo_type, repo_id)
            branches = [{"name": n, "ref": f"refs/heads/{n}", "targetCommit": oid} for n, oid in refs.items()]
            return _json({"branches": branches, "tags": [], "converts": []})
        match = re.fullmatch(r"commits/(.+)", rest)
        if match and method == "GET":
            commits = [
                {
                    "id": commit.oid,
                    "title": commit.title,
                    "message": commit.description,
                    "date": commit.date,
                    "authors": [{"user": "tester"}],
                }
                for commit in self.storage.history(repo_type, repo_id, match.group(1))
            ]
            return _json(commits)
        self.unhandled.append((method, f"/api/{repo_type}s/{repo_id}/{rest}"))
        raise HubError(404, f"the local Hub does not implement {method} /api/{repo_type}s/{repo_id}/{rest}")

    def _info(self, repo_type: str, repo_id: str, revision: str) -> tuple:
        commit = self.storage.resolve_commit(repo_type, repo_id, revision)
        info: dict[str, Any] = {
            "_id": hashlib.sha1(repo_id.encode()).hexdigest()[:24],
            "id": repo_id,
            "author": repo_id.split("/")[0],
            "sha": commit.oid,
            "lastModified": commit.date,
            "private": False,
            "disabled": False,
            "gated": False,
            "downloads": 0,
            "likes": 0,
            "tags": [],
            "siblings": [
                {"rfilename": path, "size": blob.size} for path, blob in sorted(commit.files.items())
            ],
            "createdAt": commit.date,
        }
        readme = commit.files.get("README.md")
        if readme is not None:
            text = self.storage.read_object(readme.sha256).decode("utf-8", "replace")
            match = re.match(r"^---\s*\n(.*?)\n---\s*\n", text, re.DOTALL)
            card_data = (yaml.safe_load(match.group(1)) or {}) if match else {}
            if isinstance(card_data, dict):
                info["cardData"] = card_data
                info["tags"] = list(card_data.get("tags") or [])
                if repo_type == "model":
                    info["library_name"] = card_data.get("library_name")
                    if card_data.get("model-index"):
                        info["model-index"] = card_data["model-index"]
        config = commit.files.get("config.json")
        if config is not None and repo_type == "model":
            try:
                info["config"] = json.loads(self.storage.read_object(config.sha256))
            except ValueError:
                pass
        return _json(info)

    def _preupload(self, repo_type: str, repo_id: str, revision: str, payload: dict[str, Any]) -> tuple:
        commit = self.storage.resolve_commit(repo_type, repo_id, revision)
        answers = []
        for item in payload.get("files", []):
            path, size = item["path"], int(item["size"])
            lfs = self.storage.is_lfs(path, size)
            remote = commit.files.get(path)
            oid = None
            if remote is not None:
                # What the client compares with its `_local_oid`: SHA-256 for LFS, the git blob id otherwise.
                oid = remote.sha256 if remote.lfs else remote.git_oid
            answers.append(
                {"path": path, "uploadMode": "lfs" if lfs else "regular", "shouldIgnore": False, "oid": oid}
            )
        return _json({"files": answers, "commitOid": commit.oid})

    def _lfs_batch(self, repo_type: str, repo_id: str, payload: dict[str, Any], user: str | None) -> tuple:
        self.storage.refs(repo_type, repo_id)  # 404 for a missing repository
        if payload.get("operation") != "upload":
            raise HubError(400, "the local Hub only accepts LFS uploads through the batch API")
        self._check_write(user, repo_id)
        objects = []
        for obj in payload.get("objects", []):
            oid, size = obj["oid"], int(obj["size"])
            answer: dict[str, Any] = {"oid": oid, "size": size, "authenticated": True}
            if not self.storage.object_path(oid).exists():
                answer["actions"] = {
                    # A pre-signed URL, as the Hub hands out for its storage: no token is sent with the PUT.
                    "upload": {
                        "href": f"{self.endpoint}/__lfs/{oid}?signature={self._sign(oid)}",
                        "header": {},
                    },
                    "verify": {"href": f"{self.endpoint}/__lfs/{oid}/verify", "header": {}},
                }
            objects.append(answer)
        return _json({"transfer": "basic", "objects": objects}, content_type="application/vnd.git-lfs+json")

    def _sign(self, oid: str) -> str:
        return hashlib.sha256(f"{self._secret}:{oid}".encode()).hexdigest()

    def _lfs_object(self, method: str, rest: str, query: dict, body: bytes) -> tuple:
        if method == "PUT" and "/" not in rest:
            if query.get("signature", [""])[0] != self._sign(rest):
                raise HubError(403, "the upload URL's signature is invalid")
            if hashlib.sha256(body).hexdigest() != rest:
                raise HubError(400, f"uploaded content does not match its sha256 {rest}")
            self.storage.write_object(body)
            return 200, {}, b""
        if method == "POST" and rest.endswith("/verify"):
            payload = json.loads(body)
            path = self.storage.object_path(rest.removesuffix("/verify"))
            if not path.exists() or path.stat().st_size != int(payload.get("size", -1)):
                raise HubError(404, f"LFS object {payload.get('oid')} was not uploaded completely")
            return _json({"ok": True})
        raise HubError(405, f"{method} is not allowed on LFS objects")

    def _commit(self, repo_type: str, repo_id: str, revision: str, body: bytes) -> tuple:
        parent = self.storage.resolve_commit(repo_type, repo_id, revision)
        files = dict(parent.files)
        header: dict[str, Any] = {}
        for line in body.decode().splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            key, value = item["key"], item["value"]
            if key == "header":
                header = value
            elif key == "file":
                content = (
                    base64.b64decode(value["content"])
                    if value.get("encoding") == "base64"
                    else value["content"].encode()
                )
                files[value["path"]] = self.storage.blob_for(value["path"], content)
            elif key == "lfsFile":
                files[value["path"]] = self.storage.lfs_blob(value["oid"], value["path"])
            elif key == "deletedFile":
                if value["path"] not in files:
                    raise HubError(
                        404, f"A file with this name doesn't exist: {value['path']}", "EntryNotFound"
                    )
                del files[value["path"]]
            elif key == "deletedFolder":
                prefix = value["path"].rstrip("/") + "/"
                files = {p: b for p, b in files.items() if not p.startswith(prefix)}
            else:
                raise HubError(400, f"unknown commit operation {key!r}")
        if header.get("parentCommit") and header["parentCommit"] != parent.oid:
            raise HubError(
                412, f"A commit has happened since. Parent is {parent.oid}, not {header['parentCommit']}"
            )
        commit = self.storage.new_commit(
            repo_type,
            repo_id,
            parent,
            files,
            header.get("summary") or "update",
            header.get("description") or "",
        )
        prefix = "" if repo_type == "model" else f"{repo_type}s/"
        return _json(
            {
                "success": True,
                "commitOid": commit.oid,
                "commitUrl": f"{self.endpoint}/{prefix}{repo_id}/commit/{commit.oid}",
                "pullRequestUrl": None,
            }
        )

    def _tree_entries(self, commit: Commit, expand: bool) -> dict[str, dict[str, Any]]:
        """Every file and folder of a commit by path."""
        last_commit = {"id": commit.oid, "title": commit.title, "date": commit.date}
        entries: dict[str, dict[str, Any]] = {}
        for path, blob in commit.files.items():
            entry = blob.tree_entry(path)
            if expand:
                entry["lastCommit"] = last_commit
            entries[path] = entry
            parts = path.split("/")[:-1]
            for depth in range(1, len(parts) + 1):
                folder = "/".join(parts[:depth])
                folder_entry: dict[str, Any] = {
                    "type": "directory",
                    "path": folder,
                    "size": 0,
                    "oid": hashlib.sha1(f"{commit.oid}:{folder}".encode()).hexdigest(),
                }
                if expand:
                    folder_entry["lastCommit"] = last_commit
                entries.setdefault(folder, folder_entry)
        return entries

    def _tree(
        self, repo_type: str, repo_id: str, revision: str, folder: str, recursive: bool, expand: bool
    ) -> tuple:
        commit = self.storage.resolve_commit(repo_type, repo_id, revision)
        entries = self._tree_entries(commit, expand)
        folder = folder.strip("/")
        if folder and entries.get(folder, {}).get("type") != "directory":
            raise HubError(404, f"Entry not found: {folder}", "EntryNotFound")
        prefix = f"{folder}/" if folder else ""
        listing = [
            entry
            for path, entry in sorted(entries.items())
            if path.startswith(prefix) and (recursive or "/" not in path[len(prefix) :])
        ]
        return _json(listing)

    def _paths_info(
        self, repo_type: str, repo_id: str, revision: str, paths: list[str], expand: bool
    ) -> tuple:
        commit = self.storage.resolve_commit(repo_type, repo_id, revision)
        entries = self._tree_entries(commit, expand)
        return _json([entries[p.strip("/")] for p in paths if p.strip("/") in entries])

    def _resolve(
        self, repo_type: str, repo_id: str, revision: str, path: str, method: str, headers: Mapping[str, str]
    ) -> tuple:
        commit = self.storage.resolve_commit(repo_type, repo_id, revision)
        blob = commit.files.get(path)
        if blob is None:
            raise HubError(404, f"Entry not found: {path}", "EntryNotFound")
        content = self.storage.read_object(blob.sha256)
        answer_headers = {
            "X-Repo-Commit": commit.oid,
            "ETag": f'"{blob.git_oid}"',
            "Accept-Ranges": "bytes",
            "Content-Type": "application/octet-stream",
        }
        if blob.lfs:
            answer_headers["X-Linked-Etag"] = f'"{blob.sha256}"'
            answer_headers["X-Linked-Size"] = str(blob.size)
        status = 200
        range_header = headers.get("Range")
        if range_header and method == "GET":
            match = re.fullmatch(r"bytes=(\d*)-(\d*)", range_header.strip())
            if not match or (not match.group(1) and not match.group(2)):
                raise HubError(416, f"unsupported range {range_header}")
            if match.group(1):
                start = int(match.group(1))
                end = int(match.group(2)) if match.group(2) else len(content) - 1
            else:
                start, end = max(0, len(content) - int(match.group(2))), len(content) - 1
            if start >= len(content) and len(content) > 0:
                raise HubError(416, f"range {range_header} outside a file of {len(content)} bytes")
            end = min(end, len(content) - 1)
            answer_headers["Content-Range"] = f"bytes {start}-{end}/{len(content)}"
            content, status = content[start : end + 1], 206
        return status, answer_headers, content


def _model_index_errors(model_index: Any) -> list[str]:
    """Structural checks of a `model-index` block, as the Hub's validator does."""
    if model_index is None:
        return []
    if not isinstance(model_index, list):
        return ['"model-index" must be a list']
    errors = []
    for model in model_index:
        if not isinstance(model, dict) or not isinstance(model.get("name"), str):
            errors.append('"model-index" entries need a "name"')
            continue
        for result in model.get("results") or []:
            task, dataset, metrics = result.get("task"), result.get("dataset"), result.get("metrics")
            if not isinstance(task, dict) or not isinstance(task.get("type"), str):
                errors.append('"model-index[].results[].task.type" is required')
            if not isinstance(dataset, dict) or not all(
                isinstance(dataset.get(k), str) for k in ("type", "name")
            ):
                errors.append('"model-index[].results[].dataset" needs "type" and "name"')
            if not isinstance(metrics, list) or not metrics:
                errors.append('"model-index[].results[].metrics" must be a non-empty list')
                continue
            for metric in metrics:
                if not isinstance(metric.get("type"), str) or not isinstance(
                    metric.get("value"), (int, float)
                ):
                    errors.append('"model-index[].results[].metrics[]" need a "type" and a numeric "value"')
    return errors


def _json(payload: Any, status: int = 200, content_type: str = "application/json") -> tuple:
    return status, {"Content-Type": content_type}, json.dumps(payload).encode()


def _make_handler(hub: LocalHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
            pass  # quiet: the hub keeps its own request log

        def _read_body(self) -> bytes:
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                chunks = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        self.rfile.readline()
                        break
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                return b"".join(chunks)
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _dispatch(self) -> None:
            body = self._read_body()
            path = urlsplit(self.path).path
            injected, failure_status = hub._injected_failure(self.command, path)
            if injected and failure_status is None:
                # Simulates a dropped connection: no status line, the socket just closes.
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                hub.requests.append((self.command, self.path, 0))
                return
            try:
                if injected:
                    raise HubError(failure_status, f"injected server error {failure_status}")
                status, headers, payload = hub.handle(self.command, self.path, self.headers, body)
            except HubError as error:
                status = error.status
                headers = {"Content-Type": "application/json", "X-Error-Message": error.message}
                if error.code:
                    headers["X-Error-Code"] = error.code
                payload = json.dumps({"error": error.message}).encode()
            except Exception as error:  # a bug in the fake server must reach the test as a 500, not a hang
                status, headers = 500, {"Content-Type": "application/json"}
                payload = json.dumps({"error": f"local Hub error: {type(error).__name__}: {error}"}).encode()
            hub.requests.append((self.command, self.path, status))
            self.send_response(
                status, HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
            )
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _dispatch

    return Handler


def main(argv: list[str] | None = None) -> int:
    """Serves a `LocalHub` in the foreground, for trying publishing without the real Hub."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m hf_sleep.testing",
        description="A Hub-compatible server on 127.0.0.1 for trying `hf-sleep push` and `push-dataset` offline.",
    )
    parser.add_argument("--port", type=int, default=8090, help="port on 127.0.0.1 (0 picks a free one)")
    parser.add_argument("--root", default="local-hub", help="folder that stores the repositories (kept on exit)")
    parser.add_argument("--token", default="hf_local_writer", help="the token clients authenticate with")
    parser.add_argument("--user", default="me", help="the user that token belongs to (its namespace)")
    args = parser.parse_args(argv)
    try:
        hub = LocalHub(root=args.root, tokens={args.token: args.user}, port=args.port)
    except OSError as error:
        print(f"hub_server: cannot serve on 127.0.0.1:{args.port}: {error.strerror or error}", file=sys.stderr)
        return 1
    stop = threading.Event()
    # Handlers of our own, set before the server announces itself: a server started with `&` from a script
    # inherits an ignored SIGINT, and SIGTERM (`kill`) must stop it as cleanly as Ctrl-C does.
    for signal_number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signal_number, lambda *_: stop.set())
    hub.start()
    print(f"Local Hub at {hub.endpoint}, repositories in {Path(args.root).resolve()}. In another shell:", flush=True)
    print(f"  export HF_ENDPOINT={hub.endpoint} HF_TOKEN={args.token} HF_HUB_DISABLE_XET=1", flush=True)
    print(f"  hf-sleep push runs/tiny --repo-id {args.user}/tinysleepnet-sleep-edf", flush=True)
    print(f"Ctrl-C or `kill {os.getpid()}` stops it.", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        hub.stop()
    return 0


__all__ = ["LocalHub", "hub_client_env", "git_blob_id", "lfs_pointer", "main"]
