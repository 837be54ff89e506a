"""The browser stager (spaces/browser_stager) in a real headless Chromium: a generated night staged in the page
equals the Python consensus (stages, probabilities to 1e-3, statistics, CSV and EDF+ annotations), no request
carries the recording, and a broken file gets a one-line message on the page."""

from __future__ import annotations

import base64
import functools
import http.server
import json
import math
import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from ..conftest import REPO_ROOT
from .test_explorer_browser import _require_browser, headless_chromium

pytestmark = pytest.mark.browser

SPACE = REPO_ROOT / "spaces" / "browser_stager"


def _require_runtime() -> None:
    """Skips without the page's npm packages; fails instead on CI (HF_SLEEP_REQUIRE_BROWSER=1), as the browser does."""
    if not (SPACE / "node_modules" / "onnxruntime-web" / "dist").is_dir():
        reason = f"the browser stager needs onnxruntime-web: run `npm ci` in {SPACE} (scripts/install_browser.sh does)"
        if os.environ.get("HF_SLEEP_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    _require_browser()
    _require_runtime()
    import sys

    sys.path.insert(0, str(SPACE))
    try:
        import build
    finally:
        sys.path.remove(str(SPACE))
    return build.build(tmp_path_factory.mktemp("browser_stager") / "dist")


class _LoggingHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the built page and records every request: method, path, body length, when."""

    log: list[dict] = []

    def _record(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.log.append({"method": self.command, "path": self.path, "body": length, "at": time.monotonic()})

    def do_GET(self):  # noqa: N802 (the standard library's name)
        self._record()
        super().do_GET()

    def do_POST(self):  # noqa: N802
        self._record()
        self.send_error(405)

    do_PUT = do_POST

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture(scope="module")
def server(site):
    handler = type("Handler", (_LoggingHandler,), {"log": []})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/", handler.log
    finally:
        httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    # Chrome's DevTools network events: every request the page makes, to any host.
    yield from headless_chromium(2000, log_network=True)


def _requests(driver) -> list[dict]:
    """The network requests Chrome sent since the last call (the performance log is drained by reading it); the
    browser's own `chrome://` pages and the page's `blob:`/`data:` URLs stay on the machine and are left out."""
    sent = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            request = message["params"]["request"]
            if not request["url"].startswith(("chrome:", "blob:", "data:")):
                sent.append({"url": request["url"], "method": request["method"], "body": request.get("postData")})
    return sent


def _open_page(driver, url: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    WebDriverWait(driver, 120, poll_frequency=0.2).until(
        lambda d: d.execute_script("return document.body.dataset.state") in ("ready", "error")
    )
    assert driver.execute_script("return document.body.dataset.state") == "ready", _status(driver)


def _status(driver) -> str:
    return driver.execute_script("return document.getElementById('status').textContent")


def _choose(driver, path: Path, timeout: float = 300) -> str:
    """Chooses `path` in the page's file input and waits for the staging to end; returns the state."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.execute_script("document.body.dataset.state = 'ready'")
    driver.find_element(By.ID, "file").send_keys(str(path))
    WebDriverWait(driver, timeout, poll_frequency=0.2).until(
        lambda d: d.execute_script("return document.body.dataset.state") in ("done", "error")
    )
    return driver.execute_script("return document.body.dataset.state")


def _download(driver, link_id: str) -> bytes:
    """The bytes behind a download link (a blob: URL, read inside the page: no network)."""
    script = """
        const done = arguments[arguments.length - 1];
        fetch(document.getElementById(arguments[0]).href).then((r) => r.arrayBuffer()).then((b) => {
            let s = ""; new Uint8Array(b).forEach((x) => { s += String.fromCharCode(x); }); done(btoa(s));
        });"""
    return base64.b64decode(driver.execute_async_script(script, link_id))


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    """A generated Sleep-EDF night: one central EEG (Fpz-Cz) at 100 Hz, so 7 members."""
    from hf_sleep.data.synthetic.generate import generate_sleep_edf

    ((psg, _),) = generate_sleep_edf(tmp_path_factory.mktemp("night"), n_nights=1, n_hours=1.0, seed=3)
    return psg


@pytest.fixture(scope="module")
def two_eeg_night(tmp_path_factory):
    """Two central EEGs at 256 Hz beside a 128-Hz EMG: 14 members, window grids shifted by halves rounded to even."""
    from ..staging.helpers import cycling_hypnogram, stage_like_signal, write_edf

    hypnogram = cycling_hypnogram(1.0, seed=1)
    signals = {"EEG C4-M1": stage_like_signal(hypnogram, 256.0, seed=1),
               "EEG C3-M2": stage_like_signal(hypnogram, 256.0, seed=2),
               "EMG chin": 0.1 * stage_like_signal(hypnogram, 128.0, seed=3)}
    rates = {"EEG C4-M1": 256.0, "EEG C3-M2": 256.0, "EMG chin": 128.0}
    return write_edf(tmp_path_factory.mktemp("two_eeg") / "two_eeg.edf", signals, rates)


@pytest.mark.slow
@pytest.mark.parametrize("recording", ["night", "two_eeg_night"])
def test_page_stages_like_python_and_sends_nothing(browser, server, recording, request, tmp_path):
    import mne

    from hf_sleep.staging.consensus import stage_consensus

    night = request.getfixturevalue(recording)
    url, served = server
    _open_page(browser, url)
    loaded = _requests(browser)
    assert loaded and all(r["url"].startswith(url) and r["method"] == "GET" for r in loaded), loaded
    served_before = len(served)

    assert _choose(browser, night) == "done", _status(browser)
    page = browser.execute_script("return window.stagerResult")
    # No request at all once the file is chosen: not to the page's server, not to any other host.
    assert _requests(browser) == []
    assert served[served_before:] == [] and all(r["method"] == "GET" and r["body"] == 0 for r in served)

    python = stage_consensus(night, output_dir=tmp_path / "python", plot=False)
    assert page["stages"] == list(python.stages)
    probabilities = np.asarray(page["probabilities"]).reshape(len(page["stages"]), -1)
    assert np.abs(probabilities - python.probabilities).max() < 1e-3
    assert page["channels"] == python.channels
    for key, value in python.statistics.items():
        assert (math.isnan(value) and page["statistics"][key] is None) or page["statistics"][key] == pytest.approx(value), key

    # The downloads: the CSV's header and stages as hf-sleep stage writes them, the EDF+ annotations MNE reads.
    rows = _download(browser, "csv").decode().splitlines()
    expected = (tmp_path / "python" / f"{night.stem}_hypnogram.csv").read_text().splitlines()
    assert rows[0] == expected[0] and len(rows) == len(expected)
    n_stages = len(python.stage_names)
    for row, want in zip(rows[1:], expected[1:], strict=True):
        got, want = row.split(","), want.split(",")
        assert got[:3] == want[:3]  # onset, duration, stage
        np.testing.assert_allclose(np.asarray(got[3:3 + n_stages], float), np.asarray(want[3:3 + n_stages], float), atol=1e-3)
        assert got[3 + n_stages:] == want[3 + n_stages:]  # agreement, disagree, each member's stage
    annotations_file = tmp_path / "page_hypnogram.edf"
    annotations_file.write_bytes(_download(browser, "edf"))
    page_annotations = mne.read_annotations(annotations_file)
    python_annotations = mne.read_annotations(tmp_path / "python" / f"{night.stem}_hypnogram.edf")
    assert list(page_annotations.description) == list(python_annotations.description)
    np.testing.assert_allclose(page_annotations.onset, python_annotations.onset)
    np.testing.assert_allclose(page_annotations.duration, python_annotations.duration)
    assert browser.find_element("id", "hypnogram").is_displayed()


def test_a_broken_file_gets_one_line_on_the_page(browser, server, night, tmp_path):
    url, _ = server
    _open_page(browser, url)
    not_edf = tmp_path / "notes.edf"
    not_edf.write_text("these are my notes, not a recording\n")
    truncated = tmp_path / "cut.edf"
    truncated.write_bytes(night.read_bytes()[: 100_000])
    for path, words in ((not_edf, "is not an EDF file"), (truncated, "is truncated")):
        assert _choose(browser, path) == "error"
        message = _status(browser)
        assert path.name in message and words in message and "\n" not in message, message
    assert browser.execute_script("return document.getElementById('results').classList.contains('hidden')")
