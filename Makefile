# Two commands set everything up on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test bench bench-browser lint install browser clean screenshots

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/streamlit run playground/app.py --client.showErrorDetails full

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# On-screen latency in headless Chromium against `streamlit run` (issue 14); never part of `make test`.
bench-browser: $(STAMP)
	$(BIN)/python benchmarks/browser.py

lint: $(STAMP)
	$(BIN)/ruff check .

# Plants each known wrong derivative / known bug in a temporary copy and checks the tests catch it.
.PHONY: mutants
mutants: $(STAMP)
	$(BIN)/python benchmarks/mutants.py

# The README's pictures, retaken by the browser tests that open each page (a plain `make test` never writes them).
screenshots: $(STAMP)
	GRADLAB_SCREENSHOTS=$(CURDIR)/assets $(BIN)/python -m pytest -q tests/test_browser.py -k "preset_then_step or surface_lab_lesson or mlp_lab_trains or lesson_link"

# Real-browser tests use Debian's Chromium (Playwright cannot download its own browsers here).
browser:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
