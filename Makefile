# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
CLI := $(VENV)/bin/enablement-audit
STAMP := $(VENV)/.installed
DEMO_OUT ?= build/demo

.PHONY: install demo test lint format system-deps clean

# Bytecode is compiled at install: where PYTHONDONTWRITEBYTECODE is set, Python would otherwise
# compile every imported module again in each process (Great Expectations and Airflow alone 11 s
# rather than 5 s).
$(STAMP): pyproject.toml Makefile
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet uv==0.13.8
	$(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PY) -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# PostgreSQL server binaries (model and quality tests start a throwaway server) and
# Chromium (report tests open the report in a real headless browser).
system-deps:
	@bash scripts/system-deps.sh

demo: install
	$(CLI) demo --out $(DEMO_OUT)

lint: install
	$(VENV)/bin/ruff check enablement_audit dags tests scripts benchmarks
	$(VENV)/bin/ruff format --check enablement_audit dags tests scripts benchmarks
	$(PY) scripts/lint_sql.py

format: install
	$(VENV)/bin/ruff check --fix enablement_audit dags tests scripts
	$(VENV)/bin/ruff format enablement_audit dags tests scripts

test: install system-deps lint
	$(VENV)/bin/pytest

clean:
	rm -rf $(VENV) build .pytest_cache

# A local Airflow (`airflow standalone`) running dags/ on demo data: http://localhost:8080
.PHONY: airflow
airflow: install
	bash scripts/airflow-demo.sh

# Benchmarks (benchmarks/README.md): the pipeline against a bare DuckDB script and a pandas
# script at scale S, M or L; appends to benchmarks/results.json, rewrites benchmarks/RESULTS.md.
SCALE ?= S
RUNS ?= 3
.PHONY: bench
bench: install
	$(PY) benchmarks/bench.py --scale $(SCALE) --runs $(RUNS)
