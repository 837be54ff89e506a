"""The model explorer Space in a real headless Chromium: pick an architecture, change a parameter, read the
parameter count, stage the bundled night and an uploaded EDF with the trained default model, take a screenshot."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from ..conftest import REPO_ROOT

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def _require_browser():
    """Skips on a user's machine without Chromium; CI sets HF_SLEEP_REQUIRE_BROWSER=1 so it fails instead."""
    missing = []
    if not CHROMIUM or not CHROMEDRIVER:
        missing.append("chromium and chromium-driver (apt-get install chromium chromium-driver)")
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip install selenium)")
    if missing:
        reason = "the browser test needs " + " and ".join(missing) + "; scripts/install_browser.sh installs them"
        if os.environ.get("HF_SLEEP_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def space_environment(space: Path) -> dict[str, str]:
    """The environment a deployed Space has: the app's folder alone, `hf_sleep` from the installed package.

    The repository stays off the path, so the app cannot pick up the checkout's code through its clone
    fallback. Where `hf_sleep` is not installed (a clone used without `pip install -e .`), the repository is
    put on the path instead, as the app's fallback would.
    """
    inherited = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and Path(p).resolve() != REPO_ROOT]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(inherited)}
    probe = subprocess.run([sys.executable, "-c", "import hf_sleep"], env=env, cwd=space, capture_output=True)
    if probe.returncode != 0:
        env["PYTHONPATH"] = os.pathsep.join([*inherited, str(REPO_ROOT)])
    return env


@pytest.fixture
def app_url(tmp_path):
    port = _free_port()
    space = tmp_path / "space"  # the Space repository: the explorer's files and nothing else
    shutil.copytree(REPO_ROOT / "spaces" / "model_explorer", space, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**space_environment(space), "GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1",
           "GRADIO_ANALYTICS_ENABLED": "False", "MPLBACKEND": "Agg"}
    log = open(tmp_path / "app.log", "w")
    process = subprocess.Popen([sys.executable, str(space / "app.py")],
                               env=env, stdout=log, stderr=subprocess.STDOUT, cwd=space)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the explorer did not start: {(tmp_path / 'app.log').read_text()[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def headless_chromium(height: int, *, log_network: bool = False):
    """A headless Chromium driven by Selenium, in a fresh profile removed afterwards (a generator for fixtures).

    `log_network`: keep Chrome's DevTools network events and console (`driver.get_log("performance")`), to see
    every request a page makes.
    """
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="hf-sleep-chromium-")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={profile}", f"--window-size=1400,{height}"):
        options.add_argument(flag)
    if log_network:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def browser():
    yield from headless_chromium(2200)


def test_explore_and_stage_in_chromium(app_url, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    sys.path.insert(0, str(REPO_ROOT / "spaces" / "model_explorer"))
    import explorer

    def param_text() -> str:
        return browser.find_element(By.ID, "param-count").text

    def wait_for(condition, timeout=120):
        return WebDriverWait(browser, timeout, poll_frequency=0.5).until(lambda _: condition())

    def open_tab(label: str) -> None:
        browser.find_element(By.XPATH, f"//button[@role='tab' and contains(., '{label}')]").click()

    browser.get(app_url)
    tiny = explorer.explore("tinysleepnet").n_parameters
    wait_for(lambda: f"{tiny:,} parameters" in param_text())

    # Choose an architecture: type into the dropdown and pick the match.
    combobox = browser.find_element(By.CSS_SELECTOR, "#architecture input")
    combobox.click()
    combobox.send_keys(Keys.CONTROL, "a")
    combobox.send_keys("DeepSleepNet", Keys.ENTER)
    deep = explorer.explore("deepsleepnet").n_parameters
    wait_for(lambda: f"{deep:,} parameters" in param_text())
    open_tab("Model card")
    wait_for(lambda: "Supratak" in browser.find_element(By.ID, "card").text)

    # Back to TinySleepNet, then change a parameter: two channels widen the LSTM's input.
    combobox.click()
    combobox.send_keys(Keys.CONTROL, "a")
    combobox.send_keys("TinySleepNet", Keys.ENTER)
    wait_for(lambda: f"{tiny:,} parameters" in param_text())
    channels = browser.find_element(By.CSS_SELECTOR, "#n-chans input")
    channels.send_keys(Keys.CONTROL, "a")
    channels.send_keys("2", Keys.TAB)
    two_channels = explorer.explore("tinysleepnet", n_chans=2).n_parameters
    assert two_channels != tiny
    wait_for(lambda: f"{two_channels:,} parameters" in param_text())
    open_tab("Input / output")
    wait_for(lambda: "(batch, 20, 2, 3000)" in browser.find_element(By.ID, "contract").text)
    open_tab("Layers")

    # Stage the bundled generated night with the default model choice: the trained SeqSleepNet shipped with hf_sleep.
    browser.find_element(By.CSS_SELECTOR, "#stage").click()
    wait_for(lambda: "TST" in browser.find_element(By.ID, "statistics").text, timeout=240)
    statistics = browser.find_element(By.ID, "statistics").text
    assert "960 epochs (8.00 h) from EEG Fpz-Cz" in statistics
    assert "trained model hf-sleep/seqsleepnet-physioex-eeg" in statistics and "Mean probability" in statistics
    image = wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "#hypnogram img"))
    wait_for(lambda: browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image))
    assert browser.execute_script("return arguments[0].naturalWidth", image) >= 1000
    csv_link = wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "#csv a"))
    assert csv_link.get_attribute("href").endswith("_hypnogram.csv")
    with urllib.request.urlopen(csv_link.get_attribute("href"), timeout=10) as response:
        rows = response.read().decode().splitlines()
    assert rows[0] == "onset,duration,stage,prob_W,prob_N1,prob_N2,prob_N3,prob_REM" and len(rows) == 961

    # Upload an EDF (a central EEG named as many labs do) and stage it with the trained default.
    from ..staging.helpers import cycling_hypnogram, stage_like_signal, write_edf

    upload = write_edf(tmp_path / "upload.edf", {"EEG C4-M1": stage_like_signal(cycling_hypnogram(0.5))})
    browser.find_element(By.XPATH, "//*[@id='source']//label[contains(., 'Upload a recording')]").click()
    browser.find_element(By.CSS_SELECTOR, "#upload input[type='file']").send_keys(str(upload))
    # Gradio renders the uploaded name in pieces (name and extension in separate spans): read the markup.
    wait_for(lambda: 'aria-label="upload.edf"' in browser.find_element(By.ID, "upload").get_attribute("innerHTML"))
    browser.find_element(By.CSS_SELECTOR, "#stage").click()
    wait_for(lambda: "upload.edf" in browser.find_element(By.ID, "statistics").text, timeout=240)
    assert "60 epochs (0.50 h) from EEG C4-M1" in browser.find_element(By.ID, "statistics").text
    wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "#csv a").get_attribute("href").endswith(
        "upload_hypnogram.csv"))

    # The screenshot shows the parameter count and the hypnogram.
    browser.execute_script("window.scrollTo(0, 0)")
    height = browser.execute_script("return document.body.scrollHeight")
    browser.set_window_size(1400, max(1200, min(height + 100, 4000)))
    screenshot = tmp_path / "model_explorer.png"
    assert browser.save_screenshot(str(screenshot))
    if os.environ.get("HF_SLEEP_ARTIFACTS"):
        artifacts = Path(os.environ["HF_SLEEP_ARTIFACTS"])
        artifacts.mkdir(parents=True, exist_ok=True)
        shutil.copy(screenshot, artifacts / screenshot.name)
    assert screenshot.stat().st_size > 50_000
