"""The Trends page's thematic-evolution section, driven with Streamlit's AppTest on the small corpus."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def test_trends_page_builds_the_evolution_and_offers_downloads(small_store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMLMAP_DB", str(small_store.path))
    small_store.close()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.switch_page("tmlmap/views/pages/trends.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    periods = at.text_input(key="evo_periods")
    assert periods.value  # a default from the corpus's years
    periods.set_value("1987-2017,2018-2025").run()
    assert not any(b.key == "evo_dl_csv" for b in at.get("download_button"))  # not built yet
    at.button(key="evo_build").click().run()
    assert not at.exception, [e.value for e in at.exception]
    keys = {b.key for b in at.get("download_button")}
    assert {"evo_dl_csv", "evo_dl_png", "evo_dl_svg"} <= keys
    assert any("first appears" in c.value for c in at.caption)
    assert at.slider(key="evo_top").value >= 1
    at.text_input(key="evo_periods").set_value("2019-2017,2020").run()
    assert any("after" in w.value for w in at.warning)
