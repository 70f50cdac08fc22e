# msatheory: build the book, execute the notebooks, run the tests.
#
#   make            same as `make book`
#   make env        create .venv and install the package with its interactive, lab, book and
#                   test extras
#   make book       build the Jupyter Book into book/_build/html (offline assets when npm exists)
#   make notebooks  re-execute notebooks/*.ipynb in place, one per core at a time
#                   (NB="notebooks/01a_microservice_systems.ipynb" for one)
#   make lab        JupyterLab on notebooks/
#   make test       `make lint`, then unit tests, doctests, every notebook under strict nbval
#                   and the browser tests: one pytest run (goal: 15 minutes on 2 cores)
#   make fuzz       the fuzzing of msatheory check's readers (tests marked fuzz)
#   make check      every test: `make test`, then `make fuzz` (what CI runs)
#   make lint       ruff and mypy
#   make bench      how `msatheory check` scales (1,250 to 20,000 services), and how fast it
#                   starts against `import yaml, networkx` (goal: 1.5x); every widget
#                   handler, driven as a learner drives it (goal: 100 ms); chapter 4's rate
#                   limiters beside the limits library's, chapter 5's circuit breaker beside
#                   pybreaker and chapter 6's hash ring and jump hash beside uhashring and
#                   jump-consistent-hash, as ratios; the book's budgets, on a copy of the
#                   project: `make notebooks` (goal: 120 s, each notebook 20 s) and `make book`
#                   with nothing changed (goal: 5 s)
#   make clean      remove build products (keeps .venv); `make distclean` removes .venv too

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := book

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.msatheory-env.stamp
EXTRAS := interactive,lab,book,test
# The kernel inherits the environment: a fixed hash seed keeps set/dict-of-str order,
# and therefore notebook outputs, identical between runs.
export PYTHONHASHSEED := 0
# JupyterLab refuses to run as root without this flag.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: env book notebooks lab test fuzz check lint bench clean distclean

env: $(STAMP)

# The stamp is rebuilt whenever pyproject.toml (or this recipe) changes, so `make env` is
# idempotent. Bytecode is compiled at install time: with PYTHONDONTWRITEBYTECODE set, an
# uncompiled venv would recompile Sphinx and friends on every run (+6 s per book build).
$(STAMP): pyproject.toml Makefile
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip --version >/dev/null 2>&1 || $(PY) -m ensurepip --upgrade
	@test -x $(VENV)/bin/uv || $(PY) -m pip install --quiet --disable-pip-version-check uv \
	  || echo "make env: could not install uv, falling back to pip"
	@if test -x $(VENV)/bin/uv && VIRTUAL_ENV=$(abspath $(VENV)) $(VENV)/bin/uv pip install \
	    --python $(PY) -e '.[$(EXTRAS)]'; then :; \
	  else echo "make env: uv failed, using pip"; \
	    $(PY) -m pip install --disable-pip-version-check -e '.[$(EXTRAS)]'; fi
	@echo "make env: compiling bytecode" && $(PY) -m compileall -q -j 0 $(VENV)/lib >/dev/null || true
	@touch $@

book: env
	$(PY) tools/build_book.py

notebooks: env
	$(PY) tools/execute_notebooks.py $(NB)

lab: env
	$(VENV)/bin/jupyter lab $(ALLOW_ROOT) --ServerApp.root_dir=notebooks

test: env lint
	$(PY) -m pytest --nbval --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg \
	  --doctest-modules -ra --durations=10 -n auto --dist loadfile --no-loadscope-reorder \
	  -m "not fuzz" tests notebooks msatheory

fuzz: env
	$(PY) -m pytest -ra --durations=5 -n auto --dist loadfile -m fuzz tests

check: test fuzz

lint: env
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: env
	$(PY) benchmarks/check_scale.py
	$(PY) benchmarks/check_startup.py
	$(PY) benchmarks/widgets.py
	$(PY) benchmarks/ratelimit.py
	$(PY) benchmarks/breaker.py
	$(PY) benchmarks/sharding.py
	$(PY) benchmarks/budgets.py

clean:
	rm -rf book/_build build book/_assets/offline book/appendix/catalogue.md \
	  book/appendix/exercises.md book/appendix/errata.md book/appendix/glossary.md \
	  book/appendix/course.md
	rmdir book/appendix 2>/dev/null || true
	find . -path ./$(VENV) -prune -o \( -name __pycache__ -o -name .ipynb_checkpoints \
	  -o -name .pytest_cache -o -name .hypothesis -o -name .ruff_cache \) -prune \
	  -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) *.egg-info
