"""Time to a hypnogram in the browser stager (spaces/browser_stager) against the Python path, in one run.

A generated 8-h night (Sleep-EDF layout, `EEG Fpz-Cz` at 100 Hz) is chosen in the page, served locally and opened in
Debian's headless Chromium; measured from choosing the file to the drawn hypnogram (the page reads the EDF, prepares
the channel, runs the 7 RobustSleepNet graphs with onnxruntime-web's WASM backend on one thread and draws). The page's
start (loading its 7 graphs, once) is measured apart. Peers in the same run, fresh processes alternating with the
page: `hf-sleep stage` (the same 7-model consensus, through torch) and `hf-sleep stage --backend onnx` (the single
default's graph, onnxruntime).

    npm ci --prefix spaces/browser_stager && python bench/browser_stager.py --repeats 2 --json bench/results/browser_stager.json
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as a script: make `bench` and `hf_sleep` importable from the checkout
    sys.path.insert(0, str(ROOT))

from bench.harness.common import machine_info, python_ours, run_process, thread_env  # noqa: E402

SPACE = ROOT / "spaces" / "browser_stager"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


def _wait(driver, states, timeout=1800):
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout, poll_frequency=0.05).until(
        lambda d: d.execute_script("return document.body.dataset.state") in states
    )
    state = driver.execute_script("return document.body.dataset.state")
    if state == "error":
        raise RuntimeError(driver.execute_script("return document.getElementById('status').textContent"))


def browser_once(url: str, night: Path) -> dict[str, float]:
    """One fresh browser: seconds to load the page and its graphs, then from choosing the night to the hypnogram."""
    driver = _driver()
    try:
        start = time.perf_counter()
        driver.get(url)
        _wait(driver, ("ready",))
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        driver.find_element("id", "file").send_keys(str(night))
        _wait(driver, ("done",))
        staged = time.perf_counter() - start
        epochs = driver.execute_script("return window.stagerResult.stages.length")
        return {"load": loaded, "hypnogram": staged, "epochs": epochs}
    finally:
        driver.quit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(SPACE))
    import build

    from hf_sleep.data.synthetic.generate import generate_sleep_edf

    work = Path(tempfile.mkdtemp(prefix="hf-sleep-browser-bench-"))
    site = build.build(work / "dist")
    ((night, _),) = generate_sleep_edf(work / "night", n_nights=1, n_hours=args.hours, seed=0)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    stage = [python_ours(), "-m", "hf_sleep.cli", "stage", str(night), "--overwrite", "--quiet", "--no-plot"]
    rows: dict[str, list[float]] = {"page start (7 graphs)": [], "browser: file chosen to hypnogram": [],
                                    "hf-sleep stage (consensus, torch)": [], "hf-sleep stage --backend onnx": []}
    epochs = None
    try:
        for _ in range(args.repeats):
            page = browser_once(url, night)
            rows["page start (7 graphs)"].append(page["load"])
            rows["browser: file chosen to hypnogram"].append(page["hypnogram"])
            epochs = page["epochs"]
            rows["hf-sleep stage (consensus, torch)"].append(
                run_process([*stage, "--output-dir", str(work / "torch")], env=thread_env()).seconds)
            rows["hf-sleep stage --backend onnx"].append(
                run_process([*stage, "--output-dir", str(work / "onnx"), "--backend", "onnx"], env=thread_env()).seconds)
    finally:
        httpd.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    result = {"machine": machine_info(), "hours": args.hours, "epochs": epochs, "seconds": rows,
              "median": {label: statistics.median(values) for label, values in rows.items()}}
    for label, values in rows.items():
        print(f"{label}: median {statistics.median(values):.1f} s ({min(values):.1f}–{max(values):.1f}, n={len(values)})")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
