# Two commands do all set-up: `make run` and `make test` (see README.md).
# Each creates .venv when missing, installs the Debian libraries Qt needs when they are missing
# (as root; otherwise prints the apt command), installs the project, then runs.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# Offscreen Qt (tests, CI, `gmm-desktop render`).
QT_DEBS := libegl1 libgl1 libxkbcommon0 libfontconfig1 libglib2.0-0 libdbus-1-3 fonts-dejavu-core
# A real window on X11 (`make run`).
XCB_DEBS := libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 \
            libxcb-shape0 libxcb-randr0 libxcb-xinerama0 libxkbcommon-x11-0 libx11-xcb1
# R and mclust: the baseline of the model-selection benchmark (never a runtime or test dependency).
R_DEBS := r-base-core r-cran-mclust
PYTEST_ARGS ?=

.PHONY: run test bench lint format system-deps system-deps-gui clean

run: system-deps-gui $(STAMP)
	$(VENV)/bin/gmm-desktop

test: system-deps $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

bench: system-deps $(STAMP)
	@.ci/ensure-debs $(R_DEBS)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest tests/benchmarks -s -q -o python_files='bench_*.py' -p no:randomly $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check gmm_desktop tests
	$(VENV)/bin/ruff format --check gmm_desktop tests
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(VENV)/bin/ruff format gmm_desktop tests
	$(VENV)/bin/ruff check --fix gmm_desktop tests

system-deps:
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || .ci/ensure-debs python3-venv
	@.ci/ensure-debs $(QT_DEBS)

system-deps-gui: system-deps
	@.ci/ensure-debs $(XCB_DEBS)

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the project's metadata changed (the install is editable).
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
