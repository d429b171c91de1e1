"""The Streamlit dashboard: shared state (:mod:`.state`), widgets, the graph writer and pages.

A thin layer over the engine: pages call :mod:`tmlmap.corpus`, :mod:`tmlmap.maps`,
:mod:`tmlmap.analysis` and :mod:`tmlmap.risk`, and hold no engine logic of their own.
``app.py`` at the repository root is the entry point (``streamlit run app.py``).
"""
