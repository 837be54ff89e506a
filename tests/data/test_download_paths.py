"""Paths named by a remote checksum list stay inside the download folder, in every downloader.

A mirror's ``SHA256SUMS.txt`` is served by a local HTTP server; its entries try to escape the output folder with
``..`` steps, absolute paths, URL-encoded steps and a symbolic link inside the folder that points out of it.
Each is refused in one line naming the list and the entry, before anything is written.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_download import PREFIX, FakePhysioNet  # tests/data is on sys.path (no package)

from hf_sleep.data import DownloadError, download_sleep_edf
from hf_sleep.data.cohorts import download_hmc
from hf_sleep.data.download import path_inside


class FakeMirror(FakePhysioNet):
    """A mirror whose checksum list is set by each test (its own class state, apart from the other servers)."""

    files: dict[str, bytes] = {}
    cut: dict[str, int] = {}
    corrupt: set[str] = set()
    log: list[tuple[str, int]] = []


@pytest.fixture(scope="module")
def mirror():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeMirror)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}{PREFIX}"
    httpd.shutdown()
    thread.join()


def serve(entries: dict[str, bytes]) -> None:
    """Serve ``entries`` (relative path → content) and a checksum list naming each of them."""
    sums = "".join(f"{hashlib.sha256(data).hexdigest()} {rel}\n" for rel, data in entries.items())
    FakeMirror.files = {**entries, "SHA256SUMS.txt": sums.encode()}
    FakeMirror.log = []


def all_files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() or p.is_symlink()}


HMC = lambda out, url: download_hmc(out, base_url=url, progress=False)  # noqa: E731
SLEEP_EDF = lambda out, url: download_sleep_edf(out, base_url=url, progress=False)  # noqa: E731


@pytest.mark.parametrize(
    ("download", "hostile"),
    [
        (HMC, "../../x/SN001.edf"),
        (HMC, "recordings/../../SN001.edf"),
        (HMC, "{outside}/SN002.edf"),  # an absolute path
        (HMC, "%2e%2e%2fSN001.edf"),
        (HMC, "recordings%2f%2E%2E%2f%2e%2e%2fSN001.edf"),
        (HMC, "link/SN001.edf"),  # a symbolic link inside the folder, pointing out
        (SLEEP_EDF, "sleep-cassette/SC4001E0-PSG.edf"),  # the study folder itself is a link pointing out
    ],
)
def test_remote_list_cannot_write_outside(
    mirror: str, tmp_path: Path, download: Callable, hostile: str
) -> None:
    out, outside = tmp_path / "out", tmp_path / "outside"
    out.mkdir()
    outside.mkdir()
    (out / "link").symlink_to(outside, target_is_directory=True)
    (out / "sleep-cassette").symlink_to(outside, target_is_directory=True)
    hostile = hostile.replace("{outside}", str(outside))
    serve({"recordings/SN003.edf": b"a fine file", hostile: b"written where it must not be"})
    before = all_files(tmp_path)
    with pytest.raises(DownloadError) as caught:
        download(out, mirror)
    message = str(caught.value)
    assert "\n" not in message and "SHA256SUMS.txt" in message and repr(hostile) in message, message
    assert all_files(tmp_path) == before  # nothing written, not even the good file
    assert [rel for rel, _ in FakeMirror.log] == ["SHA256SUMS.txt"]


def test_names_inside_the_folder_are_downloaded(mirror: str, tmp_path: Path) -> None:
    # `%2f` decodes to a folder separator, and a symbolic link that stays inside the folder is followed.
    (tmp_path / "real").mkdir()
    (tmp_path / "inner").symlink_to(tmp_path / "real", target_is_directory=True)
    serve({"recordings/SN001.edf": b"one", "inner/SN002.edf": b"two", "recordings%2fSN003.edf": b"three"})
    files = download_hmc(tmp_path, base_url=mirror, progress=False)
    assert {f.relative_to(tmp_path).as_posix(): f.read_bytes() for f in files} == {
        "recordings/SN001.edf": b"one", "real/SN002.edf": b"two", "recordings/SN003.edf": b"three",
    }  # fmt: skip


NAME_PARTS = st.sampled_from(["..", ".", "", "recordings", "SN001.edf", "%2e%2e", "%2E%2e%2F", "%2f", "/", "\\",
                              "a b", "é", "link", "inside"])  # fmt: skip


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(parts=st.lists(NAME_PARTS, min_size=1, max_size=5), absolute=st.booleans())
def test_path_inside_never_leaves_the_folder(tmp_path: Path, parts: list[str], absolute: bool) -> None:
    root = tmp_path / "out"
    (root / "inside").mkdir(parents=True, exist_ok=True)
    if not (root / "link").exists():
        (root / "link").symlink_to(tmp_path, target_is_directory=True)
    name = ("/" if absolute else "") + "/".join(parts)
    try:
        target = path_inside(root, name, "mirror/SHA256SUMS.txt")
    except DownloadError as error:
        assert "\n" not in str(error) and "mirror/SHA256SUMS.txt" in str(error) and repr(name) in str(error)
        return
    resolved_root = root.resolve()
    assert target.is_relative_to(resolved_root) and target != resolved_root
    assert os.path.realpath(target) == str(target)  # no link left to follow out of the folder
