# Retry-Safe Airflow. Two commands for learners: `make lab` and `make test`.
# Everything installs into .venv from requirements.lock; nothing touches ~/airflow.

PYTHON ?= python3
# The Airflow release: the newest by default (requirements.lock, .venv). `make test AIRFLOW=3.3.0` builds
# .venv-3.3.0 from requirements/airflow-3.3.0.lock and runs there; `make lock` writes every release's lock.
NEWEST   := 3.3.2
RELEASES := 3.3.0 3.3.1
AIRFLOW  ?= $(NEWEST)
ifeq ($(AIRFLOW),$(NEWEST))
VENV   := .venv
LOCK   := requirements.lock
else
VENV   := .venv-$(AIRFLOW)
LOCK   := requirements/airflow-$(AIRFLOW).lock
endif
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv
PORT   ?= 8888
STAMP  := $(VENV)/.installed
ASSIGNMENT ?=
# nbval compares the cells tagged for it with their saved outputs, after tests/nbval_sanitize.cfg's replacements.
NBVAL  := --nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg

# A browser only where there is a screen to show it on (not in containers or CI).
BROWSER_FLAG := $(if $(or $(DISPLAY),$(WAYLAND_DISPLAY),$(filter Darwin,$(shell uname -s))),,--no-browser)
ROOT_FLAG    := $(if $(filter 0,$(shell id -u)),--allow-root,)

# Tools that shell out to their own commands (nbgrader -> alembic) find them here.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: lab test test-papermill test-notebooks check site notebooks bench lock workshop assignments release collect autograde grade-class feedback return-feedback grades clean

$(STAMP): $(LOCK) pyproject.toml workshop/package-lock.json
	@echo "Creating the course environment for Airflow $(AIRFLOW) in $(VENV) (first time only: a few minutes)"
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed, this is " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==0.13.9
	$(UV) pip install --quiet --python $(PY) --compile-bytecode --no-deps -r $(LOCK)
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
	$(VENV)/bin/npm ci --prefix workshop --no-audit --no-fund --loglevel=error
	$(PY) -m retrylab.cli doctor
	@touch $@

lab: $(STAMP)
	$(PY) -m retrylab.course --stamp-kernel
	cd notebooks && $(CURDIR)/$(VENV)/bin/jupyter lab --ip=127.0.0.1 --port=$(PORT) $(BROWSER_FLAG) $(ROOT_FLAG)

# Each notebook runs once in `make test` (nbval's golden cells on solutions/; the round trips autograde only what
# grades need, and a verdict graded once in the run is reused: tests/conftest.py); the runs with other parameters
# are `make test-papermill`, which CI runs on every 3.3.x release. One pytest run on four workers, longest files first.
test: $(STAMP)
	$(PY) -m ruff check retrylab tests benchmarks
	$(PY) -m pytest -n 4 --dist loadfile $(NBVAL) tests solutions --ignore=tests/test_notebooks.py

# The edit-test loop (target: 2 minutes): the linters, the lint's corpus, the course's consistency, the grader's
# own fast checks against real Airflow. `make test` runs everything.
CHECK_FILES = tests/test_lint.py tests/test_course.py tests/test_cli.py tests/test_timeline.py tests/test_faults.py \
	tests/test_world.py tests/test_batch.py tests/test_home_check.py tests/test_runs.py tests/test_checks.py \
	tests/test_m06_checks.py tests/test_grading_slice.py tests/test_class_grading.py

# Every solution notebook run top to bottom with the other parameters course.toml gives it (papermill, one
# notebook per xdist worker at a time).
test-papermill: $(STAMP)
	$(PY) -m pytest -n 4 --dist load tests/test_notebooks.py

# Every solution notebook with other parameters and with its golden cells (nbval): what CI runs on the older 3.3.x
# releases (`make test-notebooks AIRFLOW=3.3.0`).
test-notebooks: test-papermill
	$(PY) -m pytest -n 4 --dist loadfile $(NBVAL) solutions

check: $(STAMP)
	$(PY) -m ruff check retrylab tests benchmarks
	$(PY) -m pytest -n 4 --dist loadfile -m "not slow" $(CHECK_FILES)

# The course as a static website (build/site/index.html) from the executed solution notebooks; a rebuild executes
# only the notebooks that changed (build/site-cache).
site: $(STAMP)
	$(PY) -m retrylab.site

notebooks: $(STAMP)
	$(PY) -m retrylab.course

bench: $(STAMP)
	$(PY) benchmarks/lint_figures.py
	$(PY) benchmarks/bench.py

requirements/airflow-%.lock:
	@echo "No lock for Airflow $*: the course is locked for $(NEWEST) (requirements.lock) and $(RELEASES)." >&2; exit 2

# NO_EMIT: left out of every lock (and the install is --no-deps, so nothing adds them back): rfc3987-syntax, which
# jsonschema imports for the "iri" format no Airflow or Jupyter schema uses, builds ~35 Earley parsers at import:
# 1.1 s of CPU in every process that imports Airflow, nbformat or nbgrader (lark comes only with it).
NO_EMIT := --no-emit-package rfc3987-syntax --no-emit-package lark
lock:
	uv pip compile requirements.in --python-version 3.11 -o requirements.lock --universal $(NO_EMIT)
	mkdir -p requirements build
	for release in $(RELEASES); do \
		sed "s/^apache-airflow==.*/apache-airflow==$$release/" requirements.in > build/requirements-$$release.in && \
		uv pip compile build/requirements-$$release.in --python-version 3.11 -o requirements/airflow-$$release.lock \
			--universal --no-header $(NO_EMIT) || exit 1; \
	done

# A workshop on JupyterHub at 127.0.0.1:$(PORT) (LEARNERS=ana,ben,...; Ctrl-C stops it and every server).
LEARNERS ?= learner1,learner2,learner3
workshop: $(STAMP)
	$(PY) -m retrylab.hub --learners $(LEARNERS) --port $(PORT)

# Workshops (nbgrader, run from grading/): ASSIGNMENT=01-checkpoints (or 01) for one module, every module without it.
assignments: $(STAMP)
	$(PY) -m retrylab.workshop assignments

release: $(STAMP)
	$(PY) -m retrylab.workshop release $(ASSIGNMENT)

collect: $(STAMP)
	$(PY) -m retrylab.workshop collect $(ASSIGNMENT)

autograde: $(STAMP)
	$(PY) -m retrylab.workshop autograde $(ASSIGNMENT)

# The whole class at once, on Airflow: WORKERS gradings at a time (LocalExecutor; by default two per core, as many
# as memory holds), or CELERY=N Celery workers sharing them (a Redis server on 127.0.0.1; needs redis-server).
# Interrupted, it resumes where it stopped.
WORKERS ?=
CELERY  ?= 0
grade-class: $(STAMP)
	$(PY) -m retrylab.class_grading $(ASSIGNMENT) $(if $(WORKERS),--workers $(WORKERS)) --celery $(CELERY)

feedback: $(STAMP)
	$(PY) -m retrylab.workshop feedback $(ASSIGNMENT)

return-feedback: $(STAMP)
	$(PY) -m retrylab.workshop return-feedback $(ASSIGNMENT)

grades: $(STAMP)
	$(PY) -m retrylab.workshop grades

clean:
	rm -rf notebooks/*/.sandbox solutions/*/.sandbox solutions/*/dags .retrylab-cache workshop/run
