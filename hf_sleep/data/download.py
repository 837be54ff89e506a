"""Download Sleep-EDF Expanded from PhysioNet: selected subjects, SHA-256 verified, resumable.

Each file is streamed into ``<name>.part``; an interrupted transfer resumes from there with an
HTTP ``Range`` request; the file only gets its real name (``os.replace``) once its SHA-256 matches
PhysioNet's ``SHA256SUMS.txt``. A file with a wrong checksum is deleted and fetched again, and
after ``retries`` failures an error is raised: nothing partial is ever left under a final name.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "PHYSIONET_SLEEP_EDF",
    "DownloadError",
    "download_file",
    "download_sleep_edf",
    "path_inside",
    "read_checksums",
]

PHYSIONET_SLEEP_EDF = "https://physionet.org/files/sleep-edfx/1.0.0/"
"""Base URL of Sleep-EDF Expanded 1.0.0 on PhysioNet."""

_STUDY_FOLDERS = {"SC": "sleep-cassette", "ST": "sleep-telemetry"}
_FILE_RE = re.compile(r"^(SC4|ST7)(\d{2})(\d)[A-Z][A-Z0-9]-(PSG|Hypnogram)\.edf$")
_CHUNK = 1 << 20


class DownloadError(RuntimeError):
    """A file could not be downloaded intact (network failure or checksum mismatch after retries)."""


def path_inside(folder: str | os.PathLike, relative: str, source: str) -> Path:
    """Where a file named by a remote list goes: ``folder / relative``, refused unless it stays inside ``folder``.

    Every downloader takes its paths from a list it fetched (a mirror's ``SHA256SUMS.txt``): a hostile or broken
    list must not write anywhere else. The name is URL-decoded first (it is also sent as a URL, where
    ``%2e%2e%2f`` is ``../``), and the result is resolved, so an absolute name, a ``..`` step or a symbolic
    link inside ``folder`` that points out of it are all refused.

    Args:
        folder: the download folder.
        relative: the path as the list gives it (``/``-separated).
        source: where the list came from, for the error message.

    Returns:
        The resolved destination, inside the resolved ``folder``.

    Raises:
        DownloadError: the name is empty, absolute, has a ``..`` step or a backslash, or resolves outside ``folder``.
    """
    decoded = urllib.parse.unquote(relative)
    parts = decoded.split("/")
    root = Path(folder).resolve()
    target = root.joinpath(*parts).resolve() if decoded else root
    if (
        not decoded.strip()
        or decoded.startswith("/")
        or "\\" in decoded
        or "\x00" in decoded
        or any(part in ("..", ".") for part in parts)
        or target == root
        or not target.is_relative_to(root)
    ):
        raise DownloadError(
            f"{source} lists {relative!r}, which is not a file inside the download folder {folder}: refused"
        )
    return target


def sha256_of(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file.

    Args:
        path: the file.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def read_checksums(base_url: str = PHYSIONET_SLEEP_EDF, *, timeout: float = 60.0) -> dict[str, str]:
    """Fetch and parse ``SHA256SUMS.txt`` (``<sha256> <relative path>`` per line).

    Args:
        base_url: dataset root URL (ending with ``/``).
        timeout: socket timeout in seconds.

    Returns:
        Relative path → hex digest.
    """
    url = base_url.rstrip("/") + "/SHA256SUMS.txt"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            text = response.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        raise DownloadError(f"{url}: cannot fetch the checksum list: {err}") from err
    except (urllib.error.URLError, OSError) as err:
        host = urllib.parse.urlsplit(url).hostname or url
        reason = getattr(err, "reason", None) or err
        raise DownloadError(
            f"cannot reach {host} ({reason}): check the network connection (or proxy), or pass --base-url with "
            "a reachable mirror of physionet.org/files/sleep-edfx/1.0.0/"
        ) from err
    sums = {}
    for line in text.splitlines():
        parts = line.strip().split(maxsplit=1)
        if len(parts) == 2 and re.fullmatch(r"[0-9a-fA-F]{64}", parts[0]):
            sums[parts[1].lstrip("*")] = parts[0].lower()
    if not sums:
        raise DownloadError(f"{url}: no checksum found")
    return sums


def _fetch_into(url: str, part: Path, timeout: float) -> bool:
    """Append the rest of ``url`` to ``part``; True when the server sent everything it announced."""
    offset = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={offset}-"} if offset else {})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        if err.code == 416:  # nothing left to send: the part is complete (or too long: the checksum decides)
            return True
        raise
    with response:
        if offset and response.status != 206:  # server ignored the range: start again
            offset = 0
        expected = response.headers.get("Content-Length")
        received = 0
        with open(part, "ab" if offset else "wb") as f:
            try:
                while block := response.read(_CHUNK):
                    f.write(block)
                    received += len(block)
            except (http.client.IncompleteRead, ConnectionError, TimeoutError) as err:
                if isinstance(err, http.client.IncompleteRead):
                    f.write(err.partial)
                return False
    return expected is None or received >= int(expected)


def download_file(
    url: str, dest: str | os.PathLike, sha256: str, *, retries: int = 3, timeout: float = 60.0
) -> Path:
    """Download ``url`` to ``dest``, resuming interrupted transfers and checking the SHA-256.

    Args:
        url: the file URL.
        dest: final path; it only appears once the content matches ``sha256``.
        sha256: expected hex digest.
        retries: attempts (interruptions and checksum failures both count).
        timeout: socket timeout in seconds.

    Returns:
        ``dest``.

    Raises:
        DownloadError: still interrupted or still a checksum mismatch after ``retries`` attempts.
    """
    dest = Path(dest)
    if dest.exists():
        if sha256_of(dest) == sha256.lower():
            return dest
        dest.unlink()  # a corrupt file under the final name: fetch it again
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    problem = "no attempt made"
    for _ in range(max(1, retries)):
        try:
            complete = _fetch_into(url, part, timeout)
        except (urllib.error.URLError, OSError) as err:
            problem = f"transfer failed: {err}"
            continue
        if not complete:
            problem = "transfer interrupted"
            continue
        digest = sha256_of(part)
        if digest == sha256.lower():
            os.replace(part, dest)
            return dest
        problem = f"checksum mismatch: got {digest}, expected {sha256.lower()}"
        part.unlink(missing_ok=True)
    if "checksum" in problem:
        part.unlink(missing_ok=True)
    raise DownloadError(f"{url}: {problem} (after {retries} attempts)")


def download_sleep_edf(
    out_dir: str | os.PathLike,
    *,
    subjects: Iterable[int] | None = None,
    nights: Iterable[int] = (1, 2),
    study: str = "SC",
    base_url: str = PHYSIONET_SLEEP_EDF,
    retries: int = 3,
    timeout: float = 60.0,
    progress: bool = True,
) -> list[Path]:
    """Download Sleep-EDF Expanded PSG and hypnogram files for selected subjects.

    Files are listed from PhysioNet's ``SHA256SUMS.txt`` (so the hypnograms' scorer letters need
    not be known) and written under ``out_dir/<sleep-cassette|sleep-telemetry>/``.

    Args:
        out_dir: destination folder.
        subjects: subject numbers (``None``: all of the study).
        nights: night numbers to keep.
        study: ``"SC"`` or ``"ST"``.
        base_url: dataset root (PhysioNet by default; a mirror or a test server otherwise).
        retries: attempts per file.
        timeout: socket timeout in seconds.
        progress: show a progress bar over files.

    Returns:
        The downloaded (or already present and verified) files.
    """
    from tqdm.auto import tqdm

    if study not in _STUDY_FOLDERS:
        raise ValueError(f"study must be 'SC' or 'ST', got {study!r}")
    folder = _STUDY_FOLDERS[study]
    wanted_subjects = None if subjects is None else set(subjects)
    wanted_nights = set(nights)
    selected = []
    for rel, digest in sorted(read_checksums(base_url, timeout=timeout).items()):
        head, _, name = urllib.parse.unquote(rel).rpartition("/")  # the name on disk
        m = _FILE_RE.match(name)
        if head != folder or not m or not m.group(1).startswith(study):
            continue
        if wanted_subjects is not None and int(m.group(2)) not in wanted_subjects:
            continue
        if int(m.group(3)) in wanted_nights:
            selected.append((rel, digest))
    if not selected:
        raise DownloadError(
            f"{base_url}: no {study} file for subjects {subjects} nights {sorted(wanted_nights)}"
        )
    sums_url = base_url.rstrip("/") + "/SHA256SUMS.txt"
    targets = [
        (rel, digest, path_inside(out_dir, rel, sums_url)) for rel, digest in selected
    ]  # before any write
    out = []
    for rel, digest, target in tqdm(targets, desc="Sleep-EDF files", unit="file", disable=not progress):
        out.append(
            download_file(base_url.rstrip("/") + "/" + rel, target, digest, retries=retries, timeout=timeout)
        )
    return out
