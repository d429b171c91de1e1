"""Real-browser test: ``streamlit run app.py`` driven by Debian's headless Chromium.

Starts the app on a free local port on a small real corpus (plus papers whose
titles/abstracts carry ``<script>``/``<img onerror>`` markup), waits for the
map, checks that the vis.js canvas is drawn with the expected number of nodes
with the trustworthy-ML lens on and off, that the labels the page drew (boxes
measured with the canvas's ``measureText``) do not overlap, that "Find a term"
zooms in, scores a description on the Risk page and draws it on the map,
searches the malicious papers on the Papers page, and saves screenshots of
every page at 1440x900 under ``tests/artifacts/``. No JavaScript dialog may
open and no request may leave the local server (favicon included). Timings (graph visible, warm page switches) are printed and
written to ``tests/artifacts/browser-timings-<corpus>.json``.

Skips only when ``/usr/bin/chromium`` is missing and ``CI`` is not set; under
CI a missing browser is a failure. ``TMLMAP_BROWSER_CORPUS=full`` runs the same
test on the whole embedded corpus (28,428 papers; a benchmark, ~2 minutes).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import load_embedded_papers, sample_small
from tmlmap.corpus.records import Paper
from tmlmap.corpus.store import CorpusStore
from tmlmap.views.state import DEFAULT_TERMS_SHOWN

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
N_PAPERS = 700
EVIL_TITLE = 'Auditing loan approval <script>alert("xss-title")</script> for minorities'


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing under CI: install the chromium package")
    pytest.skip(f"{CHROMIUM} is not installed (and CI is not set)")


def evil_papers() -> list[Paper]:
    return [Paper(
        id=f"evil-browser-{i}", title=EVIL_TITLE if i == 0 else f"Fair lending <b>{i}</b> study",
        abstract=("Loan approval models discriminate against minority applicants. "
                  f'<img src=x onerror=alert("xss-{i}")> We audit fairness of credit scoring. ') * 2,
        venue="FAT*", year=2019, url="javascript:alert(1)", authors=["<script>alert(2)</script>"],
        keywords=["fairness"], source="test") for i in range(3)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _require_chromium()
    home = tmp_path_factory.mktemp("browser-home")
    db = home / "corpus.sqlite"
    full = os.environ.get("TMLMAP_BROWSER_CORPUS") == "full"
    with CorpusStore(db) as store:
        papers = load_embedded_papers()
        store.upsert((papers if full else sample_small(papers, size=N_PAPERS)) + evil_papers())
    port = _free_port()
    env = dict(os.environ, TMLMAP_DB=str(db), TMLMAP_HOME=str(home), PYTHONUNBUFFERED="1")
    log = open(home / "streamlit.log", "w")  # noqa: SIM115 - closed in the teardown
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("streamlit did not start:\n" + (home / "streamlit.log").read_text()[-3000:])
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _graph_state(page: object) -> dict | None:
    """``window.tmlmapGraph`` plus the vis.js node count and drawn pixels, from the graph iframe."""
    for frame in page.frames:  # type: ignore[attr-defined]
        try:
            state = frame.evaluate("""() => {
                if (!window.tmlmapGraph || !window.network) return null;
                const canvas = document.querySelector('#tmlmap-network canvas');
                let painted = 0;
                if (canvas && canvas.width > 0) {
                    const ctx = canvas.getContext('2d');
                    const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
                    for (let i = 3; i < px.length; i += 4 * 7) { if (px[i] > 0) painted++; }
                }
                const legend = document.getElementById('tmlmap-legend');
                const size = window.tmlmapGraph.size || [0, 0];
                const cut = (window.tmlmapGraph.labels || []).filter(b =>
                    b[0] < -0.5 || b[1] < -0.5 || b[2] > size[0] + 0.5 || b[3] > size[1] + 0.5).length;
                return {nodes: window.tmlmapGraph.nodes, edges: window.tmlmapGraph.edges, cut: cut,
                        drawn: window.tmlmapGraph.drawn, labels: window.tmlmapGraph.labels,
                        scale: window.network.getScale(),
                        legend: legend ? legend.innerText.slice(0, 400) : '',
                        visNodes: window.network.body.data.nodes.length,
                        canvasWidth: canvas ? canvas.width : 0, painted: painted,
                        scripts: Array.from(document.scripts).filter(s => s.src).length};
            }""")
        except Exception:  # a frame navigating away or not ready yet
            continue
        if state and state.get("drawn"):
            return state
    return None


def _wait_graph(page: object, timeout_s: float, *, unlike: str | None = None) -> dict:
    """The drawn graph's state; with ``unlike``, wait for a graph whose legend differs."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = _graph_state(page)
        if state is not None and (unlike is None or state["legend"] != unlike):
            return state
        time.sleep(0.1)
    raise AssertionError("the graph was not drawn in time")


def _screens(page: object, name: str, max_shots: int = 6) -> int:
    """Screenshots of a whole page, one viewport (1440x900) at a time: ``<name>.png`` then
    ``<name>-2.png``... (Streamlit scrolls its main area, not the document, so a
    full-page screenshot would show only the first screen)."""
    page.evaluate("""() => { const m = document.querySelector('[data-testid="stMain"]')
        || document.querySelector('section.main'); if (m) m.scrollTop = 0; }""")  # type: ignore[attr-defined]
    shots = 0
    for k in range(max_shots):
        page.wait_for_timeout(1200)  # type: ignore[attr-defined]  # charts and tables render lazily
        page.screenshot(path=str(ARTIFACTS / (f"{name}.png" if k == 0 else f"{name}-{k + 1}.png")))  # type: ignore[attr-defined]
        shots += 1
        moved = page.evaluate("""() => { const m = document.querySelector('[data-testid="stMain"]')
            || document.querySelector('section.main'); if (!m) return false;
            const before = m.scrollTop; m.scrollTop = before + m.clientHeight - 60;
            return m.scrollTop > before; }""")  # type: ignore[attr-defined]
        if not moved:
            break
    return shots


def _label_overlaps(boxes: list[list[float]], tolerance_px: float = 1.0) -> list[tuple[int, int]]:
    """Pairs of drawn label boxes (page px, widths measured in the page) overlapping by more
    than ``tolerance_px`` both ways."""
    out = []
    for i, a in enumerate(boxes):
        for j in range(i + 1, len(boxes)):
            b = boxes[j]
            if (min(a[2], b[2]) - max(a[0], b[0]) > tolerance_px
                    and min(a[3], b[3]) - max(a[1], b[1]) > tolerance_px):
                out.append((i, j))
    return out


def test_map_risk_and_papers_in_chromium(app_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    dialogs: list[str] = []
    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("request", lambda r: None if r.url.startswith((app_url, "data:", "blob:", "about:"))
                    else outside.append(r.url))

            # cold start: the map is built with progress, then drawn
            t0 = time.perf_counter()
            page.goto(app_url, wait_until="domcontentloaded")
            graph = _wait_graph(page, 600)
            timings["cold_start_graph_visible_s"] = time.perf_counter() - t0
            assert graph["nodes"] == graph["visNodes"] == DEFAULT_TERMS_SHOWN
            assert graph["edges"] > 0
            assert graph["canvasWidth"] > 0 and graph["painted"] > 100  # pixels drawn on the canvas
            assert graph["scripts"] == 0  # no external script in the graph page
            assert "Fairness" in graph["legend"]  # the lens is on by default
            assert len(graph["labels"]) > 10 and not _label_overlaps(graph["labels"])
            assert graph["cut"] == 0  # no label drawn across the drawing's edge
            page.wait_for_timeout(300)
            _screens(page, "map", max_shots=3)

            # the whole map, one click away; its labels do not overlap either
            page.locator('label:has-text("Trustworthy-ML lens")').first.click()
            whole = _wait_graph(page, 60, unlike=graph["legend"])
            assert whole["nodes"] == whole["visNodes"] == DEFAULT_TERMS_SHOWN and whole["painted"] > 100
            assert len(whole["labels"]) > 10 and whole["cut"] == 0
            assert not _label_overlaps(whole["labels"]), [(whole["labels"][i], whole["labels"][j]) for i, j in _label_overlaps(whole["labels"])]
            page.wait_for_timeout(300)
            page.screenshot(path=str(ARTIFACTS / "map-whole.png"), full_page=False)
            page.locator('label:has-text("Trustworthy-ML lens")').first.click()
            lensed = _wait_graph(page, 60, unlike=whole["legend"])

            # "Find a term" zooms to it (labels still placed without overlap)
            box = page.get_by_label("Find a term")
            box.fill("fairness")
            box.press("Enter")
            found = _wait_graph(page, 60, unlike=lensed["legend"] + "?")  # any redrawn graph
            deadline = time.monotonic() + 30
            while found["scale"] <= lensed["scale"] * 1.5 and time.monotonic() < deadline:
                time.sleep(0.2)
                found = _graph_state(page) or found
            assert found["scale"] > lensed["scale"] * 1.5, (found["scale"], lensed["scale"])
            assert not _label_overlaps(found["labels"])
            page.wait_for_timeout(300)
            page.screenshot(path=str(ARTIFACTS / "map-find.png"), full_page=False)
            box.fill("")
            box.press("Enter")

            # warm reload: cached map, graph visible again
            t0 = time.perf_counter()
            page.reload(wait_until="domcontentloaded")
            _wait_graph(page, 60)
            timings["warm_graph_visible_after_load_s"] = time.perf_counter() - t0

            # warm page switch to the Risk scorer
            t0 = time.perf_counter()
            page.get_by_role("link", name="Risk scorer").click()
            area = page.get_by_label("Project description")
            expect(area).to_be_visible(timeout=30_000)
            timings["warm_switch_to_risk_s"] = time.perf_counter() - t0
            area.fill("We will train a model on court records to predict which defendants will "
                      "reoffend and give judges a risk score for bail decisions, and screen job "
                      "applicants' CVs for recruiters.")
            t0 = time.perf_counter()
            page.get_by_role("button", name="Score the description").click()
            expect(page.get_by_text("Fairness risk", exact=True)).to_be_visible(timeout=90_000)
            expect(page.get_by_role("heading", name="Nearest papers")).to_be_visible(timeout=30_000)
            timings["score_description_s"] = time.perf_counter() - t0
            # the description on the map: drawn, its terms ringed, labels not overlapping
            on_map = _wait_graph(page, 60)
            assert on_map["nodes"] == on_map["visNodes"] > 3 and on_map["painted"] > 100
            assert not _label_overlaps(on_map["labels"])
            _screens(page, "risk", max_shots=8)
            page.get_by_role("heading", name="Top contributing terms").evaluate(
                "e => e.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(400)
            page.screenshot(path=str(ARTIFACTS / "risk-evidence.png"))
            page.get_by_role("heading", name="Words from real incidents").evaluate(
                "e => e.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(400)
            page.screenshot(path=str(ARTIFACTS / "risk-incidents.png"))
            page.get_by_role("heading", name="This description on the map").evaluate(
                "e => e.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(400)
            page.screenshot(path=str(ARTIFACTS / "risk-map.png"))
            page.get_by_role("heading", name="Nearest papers").evaluate(
                "e => e.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(400)
            page.screenshot(path=str(ARTIFACTS / "risk-nearest.png"))

            # warm switch back to the map
            t0 = time.perf_counter()
            page.get_by_role("link", name="Map").first.click()
            _wait_graph(page, 60)
            timings["warm_switch_to_map_graph_visible_s"] = time.perf_counter() - t0

            # malicious paper text renders as text on the Papers page
            t0 = time.perf_counter()
            page.get_by_role("link", name="Papers").click()
            box = page.get_by_label("Search titles, abstracts and keywords")
            expect(box).to_be_visible(timeout=30_000)
            timings["warm_switch_to_papers_s"] = time.perf_counter() - t0
            box.fill("loan approval")
            box.press("Enter")
            expect(page.get_by_text('<script>alert("xss-title")</script>', exact=False).first).to_be_visible(
                timeout=30_000)
            page.wait_for_timeout(400)
            _screens(page, "papers")
            # the markup is shown as text: no <img> with onerror or injected <script> in the DOM
            injected = page.evaluate("""() => {
                const docs = [document, ...Array.from(document.querySelectorAll('iframe'))
                    .map(f => { try { return f.contentDocument; } catch (e) { return null; } })
                    .filter(Boolean)];
                let n = 0;
                for (const d of docs) {
                    n += d.querySelectorAll('img[onerror], img[src="x"]').length;
                    n += Array.from(d.scripts).filter(s => s.textContent.includes('xss-')).length;
                }
                return n;
            }""")
            assert injected == 0

            # Communities and Trends render without an exception box
            for name in ("Communities", "Trends", "Corpus"):
                t0 = time.perf_counter()
                page.get_by_role("link", name=name).click()
                expect(page.get_by_role("heading", name=name).first).to_be_visible(timeout=30_000)
                page.wait_for_timeout(300)
                assert page.locator('[data-testid="stException"]').count() == 0, name
                timings[f"warm_switch_to_{name.lower()}_s"] = time.perf_counter() - t0
                page.wait_for_timeout(700)
                _screens(page, name.lower())
                if name == "Communities":
                    page.get_by_role("heading", name="Thematic map").evaluate(
                        "e => e.scrollIntoView({block: 'start'})")
                    page.wait_for_timeout(500)
                    page.screenshot(path=str(ARTIFACTS / "thematic-map.png"))
        finally:
            browser.close()
    assert dialogs == [], f"a JavaScript dialog opened: {dialogs}"
    assert outside == [], f"requests left the local server: {outside[:5]}"
    corpus = os.environ.get("TMLMAP_BROWSER_CORPUS", "small")
    (ARTIFACTS / f"browser-timings-{corpus}.json").write_text(json.dumps(timings, indent=2))
    with capsys.disabled():
        print("\nbrowser timings (s): " + ", ".join(f"{k}={v:.2f}" for k, v in timings.items()))
