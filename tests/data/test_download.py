"""PhysioNet download helper against a local HTTP server on 127.0.0.1 serving generated files."""

from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from hf_sleep.data import SLEEP_EDF_OPTIONS, DownloadError, convert_sleep_edf, download_sleep_edf
from hf_sleep.data.synthetic import write_sleep_edf_night

NIGHT = ["W"] * 8 + ["N1", "N2", "N2", "N3", "N3", "REM", "N2"] + ["W"] * 8
PREFIX = "/files/sleep-edfx/1.0.0/"


class FakePhysioNet(BaseHTTPRequestHandler):
    """Serves ``files`` with Range support; can cut a transfer halfway or serve corrupted bytes."""

    files: dict[str, bytes] = {}
    cut: dict[str, int] = {}  # path → how many more responses to cut halfway
    corrupt: set[str] = set()
    log: list[tuple[str, int]] = []

    def log_message(self, *args) -> None:  # keep the test output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        rel = self.path.removeprefix(PREFIX)
        data = self.files.get(rel)
        if data is None:
            self.send_error(404)
            return
        if rel in self.corrupt:
            data = data[:-1] + bytes([data[-1] ^ 0xFF])
        start = int(self.headers["Range"].split("=")[1].split("-")[0]) if self.headers.get("Range") else 0
        self.log.append((rel, start))
        if start >= len(data):
            self.send_response(416)
            self.end_headers()
            return
        body = data[start:]
        self.send_response(206 if start else 200)
        self.send_header("Content-Length", str(len(body)))
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        if self.cut.get(rel, 0) > 0:
            self.cut[rel] -= 1
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    src = tmp_path_factory.mktemp("physionet")
    files = {}
    for subject in (0, 1):
        for path in write_sleep_edf_night(src, hypnogram=NIGHT, subject=subject, night=1, seed=subject):
            files[f"sleep-cassette/{path.name}"] = path.read_bytes()
    files["sleep-telemetry/ST7011J0-PSG.edf"] = b"not used"
    sums = "".join(f"{hashlib.sha256(d).hexdigest()} {rel}\n" for rel, d in sorted(files.items()))
    files["SHA256SUMS.txt"] = sums.encode()
    FakePhysioNet.files = files
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakePhysioNet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}{PREFIX}"
    httpd.shutdown()
    thread.join()


@pytest.fixture(autouse=True)
def reset_server_state():
    FakePhysioNet.cut, FakePhysioNet.corrupt, FakePhysioNet.log = {}, set(), []


def test_selected_subject_with_resume(server: str, tmp_path: Path) -> None:
    psg = "sleep-cassette/SC4001E0-PSG.edf"
    FakePhysioNet.cut = {psg: 1}
    files = download_sleep_edf(tmp_path, subjects=[0], base_url=server, progress=False)
    assert sorted(f.name for f in files) == ["SC4001E0-PSG.edf", "SC4001EC-Hypnogram.edf"]
    for f in files:
        assert f.read_bytes() == FakePhysioNet.files[f"sleep-cassette/{f.name}"]
    starts = [start for rel, start in FakePhysioNet.log if rel == psg]
    assert starts[0] == 0 and starts[1] > 0  # the second request resumed where the first broke off
    assert not list(tmp_path.rglob("*.part"))
    assert len(convert_sleep_edf(tmp_path, options=SLEEP_EDF_OPTIONS.replace(progress=False, cache_dir=tmp_path / "cache"))) > 0
    # a second call finds the files intact and fetches nothing but the checksum list
    FakePhysioNet.log = []
    download_sleep_edf(tmp_path, subjects=[0], base_url=server, progress=False)
    assert [rel for rel, _ in FakePhysioNet.log] == ["SHA256SUMS.txt"]


def test_checksum_failure_leaves_nothing(server: str, tmp_path: Path) -> None:
    hyp = "sleep-cassette/SC4011EC-Hypnogram.edf"
    FakePhysioNet.corrupt = {hyp}
    with pytest.raises(DownloadError, match="SC4011EC-Hypnogram.edf: checksum mismatch.*after 2 attempts"):
        download_sleep_edf(tmp_path, subjects=[1], base_url=server, retries=2, progress=False)
    assert not (tmp_path / hyp).exists() and not list(tmp_path.rglob("*.part"))
    assert sum(1 for rel, _ in FakePhysioNet.log if rel == hyp) == 2


def test_corrupt_local_file_is_fetched_again(server: str, tmp_path: Path) -> None:
    target = tmp_path / "sleep-cassette" / "SC4011EC-Hypnogram.edf"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"half a file")
    download_sleep_edf(tmp_path, subjects=[1], base_url=server, progress=False)
    assert target.read_bytes() == FakePhysioNet.files["sleep-cassette/SC4011EC-Hypnogram.edf"]


def test_interrupted_every_time_keeps_only_a_part_file(server: str, tmp_path: Path) -> None:
    psg = "sleep-cassette/SC4001E0-PSG.edf"
    FakePhysioNet.cut = {psg: 10}
    with pytest.raises(DownloadError, match="interrupted"):
        download_sleep_edf(tmp_path, subjects=[0], base_url=server, retries=2, progress=False)
    assert not (tmp_path / psg).exists()
    part = tmp_path / (psg + ".part")
    assert part.exists() and 0 < part.stat().st_size < len(FakePhysioNet.files[psg])
    FakePhysioNet.cut = {}
    download_sleep_edf(tmp_path, subjects=[0], base_url=server, progress=False)  # resumes from the part
    assert (tmp_path / psg).read_bytes() == FakePhysioNet.files[psg]


def test_no_matching_file(server: str, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="no SC file"):
        download_sleep_edf(tmp_path, subjects=[42], base_url=server, progress=False)
