"""Open a page of the app in Streamlit's AppTest, as a link with these query parameters would."""

import pathlib

from streamlit.testing.v1 import AppTest

APP = str(pathlib.Path(__file__).resolve().parent.parent / "playground" / "app.py")


def open_page(page: str | None = None, **query: str) -> AppTest:
    """Run ``page`` (e.g. "mlp/view.py"; home if None) once and check that it raised nothing."""
    at = AppTest.from_file(APP, default_timeout=90)
    if page is not None:
        # Pages are all named view.py: AppTest finds one by its path only once the router has registered
        # them, so the router runs once (home, with no query) before the switch.
        at.run()
        at.switch_page(page)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at
