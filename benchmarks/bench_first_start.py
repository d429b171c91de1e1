"""First start of the dashboard: empty data directory to the graph drawn, in headless Chromium.

``python benchmarks/bench_first_start.py`` starts ``streamlit run app.py`` on a free
local port with a new, empty ``TMLMAP_HOME`` (so the embedded corpus is imported and the
map built, as on a user's first start), opens the page in Debian's Chromium
(``/usr/bin/chromium``) at 1440x900 and measures the seconds until the vis.js graph
is drawn. Every second it also reads the progress bar's text, so the estimates the
page showed ("about N s left") can be compared with the time it really took. Prints
the machine, the load average before and after, the first-start time and the
progress texts with their timestamps; writes them to ``tests/artifacts/first-start.json``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _corpus import machine  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    from playwright.sync_api import sync_playwright

    home = Path(tempfile.mkdtemp(prefix="tmlmap-first-start-"))
    port = _free_port()
    env = dict(os.environ, TMLMAP_HOME=str(home), PYTHONUNBUFFERED="1")
    env.pop("TMLMAP_DB", None)
    load_before = os.getloadavg()
    log = open(home / "streamlit.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    texts: list[tuple[float, str]] = []
    try:
        t_launch = time.perf_counter()
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                time.sleep(0.2)
        server_s = time.perf_counter() - t_launch
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            t0 = time.perf_counter()
            page.goto(url, wait_until="domcontentloaded")
            drawn = False
            while not drawn and time.perf_counter() - t0 < 900:
                for frame in page.frames:
                    try:
                        drawn = bool(frame.evaluate("() => !!(window.tmlmapGraph && window.tmlmapGraph.drawn)"))
                    except Exception:  # noqa: BLE001 - frames come and go while the page builds
                        continue
                    if drawn:
                        break
                try:
                    bar = page.locator('[data-testid="stProgress"]').first
                    if bar.count():
                        texts.append((round(time.perf_counter() - t0, 1), bar.inner_text(timeout=500)))
                except Exception:  # noqa: BLE001
                    pass
                time.sleep(1.0)
            first_start_s = time.perf_counter() - t0
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    result = {
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "machine": machine(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "server_start_s": round(server_s, 1),
        "first_start_graph_drawn_s": round(first_start_s, 1),
        "graph_drawn": drawn,
        "progress_texts": texts,
    }
    out = ROOT / "tests" / "artifacts" / "first-start.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
