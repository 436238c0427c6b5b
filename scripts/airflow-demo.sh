#!/usr/bin/env bash
# `make airflow`: a local Airflow 3 (`airflow standalone`: scheduler, API server and UI, DAG
# processor, triggerer) running this project's DAGs on a demo organisation, into a demo DuckDB
# warehouse. Everything lives under build/airflow/; delete that folder to start again.
#
# The nightly DAG starts ENABLEMENT_AUDIT_NIGHTLY_START (default: 7 days ago), so the scheduler
# catches up those nights one by one; the weekly report follows each published night.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
DEMO="$ROOT/build/airflow"
LANDING="$DEMO/landing"
export PATH="$VENV/bin:$PATH"

export AIRFLOW_HOME="$DEMO/home"
export AIRFLOW__CORE__DAGS_FOLDER="$ROOT/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
# Unpaused from the start, so the scheduler runs them without a click in the UI.
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=False
# The embedded DuckDB warehouse takes one writer at a time: run one task at a time. A PostgreSQL
# warehouse does not need this.
export AIRFLOW__CORE__PARALLELISM=1
mkdir -p "$AIRFLOW_HOME" "$DEMO/reports"

# Demo landing data up to yesterday (UTC), generated once.
if [[ ! -f "$LANDING/manifest.json" ]]; then
    echo "generating demo landing data in $LANDING" >&2
    enablement-audit generate --scale S --seed 7 --out "$LANDING" --end "$(date -u +%F)"
fi

# Connections and Variables as environment variables (the DAGs read them only inside tasks).
# A four-slash duckdb URL names an absolute file.
export AIRFLOW_CONN_ENABLEMENT_WAREHOUSE="duckdb:///$DEMO/warehouse.duckdb"
export AIRFLOW_VAR_ENABLEMENT_AUDIT_LANDING="$LANDING"
export AIRFLOW_VAR_ENABLEMENT_AUDIT_REPORT_DIR="$DEMO/reports"
export ENABLEMENT_AUDIT_HOME="$DEMO/home-enablement-audit"
export ENABLEMENT_AUDIT_NIGHTLY_START="${ENABLEMENT_AUDIT_NIGHTLY_START:-$(date -u -d '7 days ago' +%F)}"

cat >&2 <<MSG
Airflow is starting: open http://localhost:8080 (user "admin"; the password is printed below and
kept in $AIRFLOW_HOME/simple_auth_manager_passwords.json.generated).
  DAGs folder   $AIRFLOW__CORE__DAGS_FOLDER
  warehouse     $DEMO/warehouse.duckdb
  landing       $LANDING
  reports       $DEMO/reports
  nights from   $ENABLEMENT_AUDIT_NIGHTLY_START
Stop with Ctrl-C.
MSG
exec airflow standalone
