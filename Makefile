# Everyday commands. `make run` and `make test` create the virtual environment themselves.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha256sum | cut -c1-12)

.PHONY: venv run test test-fast eval bench lint clean

$(STAMP): requirements.lock pyproject.toml
	rm -f $(VENV)/.installed-*
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

venv: $(STAMP)

# The main job: bring the index up to date (incremental), then serve the web app on http://127.0.0.1:7860
run: venv
	$(PY) -m assistant index -q
	$(PY) app.py

test: venv
	$(PY) -m pytest

test-fast: venv
	$(PY) -m pytest -m "not slow"

eval: venv
	$(PY) -m assistant eval

bench: venv
	$(PY) bench/index_build.py
	$(PY) -m assistant index -q
	$(PY) bench/ask_latency.py
	$(PY) bench/app_latency.py
	$(PY) bench/load.py
	$(PY) bench/scale.py

lint: venv
	$(PY) -m ruff check assistant tests bench app.py

clean:
	rm -rf $(VENV) index/gen-* index/.build-* index/CURRENT index/.lock
