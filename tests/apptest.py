"""Open a page of the app in Streamlit's AppTest, as a link with these query parameters would."""

import pathlib

from streamlit.testing.v1 import AppTest

APP = str(pathlib.Path(__file__).resolve().parent.parent / "playground" / "app.py")


def open_page(page: str | None = None, **query: str) -> AppTest:
    """Run ``page`` (the default page if None) once and check that it raised nothing."""
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in query.items():
        at.query_params[key] = value
    if page is not None:
        at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at
