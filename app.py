"""tmlmap dashboard: ``streamlit run app.py``.

Only navigation and the shared sidebar live here; the pages are in
``tmlmap/views/pages/`` and the shared state in :mod:`tmlmap.views.state`.
"""

from pathlib import Path

import streamlit as st

from tmlmap.views import state

PAGES = Path(__file__).resolve().parent / "tmlmap" / "views" / "pages"
#: Shipped with the app: a ":material/..." page icon would make every page fetch the favicon from a font CDN.
ICON = Path(__file__).resolve().parent / "tmlmap" / "views" / "assets" / "favicon.png"

st.set_page_config(page_title="tmlmap: trustworthy-ML research map", page_icon=str(ICON),
                   layout="wide")
navigation = st.navigation([
    st.Page(PAGES / "map.py", title="Map", icon=":material/hub:", default=True),
    st.Page(PAGES / "communities.py", title="Communities", icon=":material/bubble_chart:"),
    st.Page(PAGES / "trends.py", title="Trends", icon=":material/trending_up:"),
    st.Page(PAGES / "papers.py", title="Papers", icon=":material/search:"),
    st.Page(PAGES / "risk.py", title="Risk scorer", icon=":material/policy:"),
    st.Page(PAGES / "corpus.py", title="Corpus", icon=":material/database:"),
])
status = state.sidebar()
navigation.run()
state.sidebar_status(status)
