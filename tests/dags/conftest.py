"""Airflow test set-up: one ``AIRFLOW_HOME`` and one SQLite metadata DB for the whole session,
with this repository's ``dags/`` as the DAGs folder.

Airflow reads its configuration when it is first imported, so the environment is set here, when
pytest collects this folder and before any test imports Airflow.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS_FOLDER = REPO / "dags"
AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="ea-airflow-home-"))
atexit.register(shutil.rmtree, AIRFLOW_HOME, ignore_errors=True)

os.environ.update(
    {
        "AIRFLOW_HOME": str(AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{AIRFLOW_HOME / 'airflow.db'}",
    }
)

# Settings that reach the package from the environment; each test sets what it needs.
PREFIXES = ("AIRFLOW_CONN_", "AIRFLOW_VAR_", "ENABLEMENT_AUDIT_")


def clean_environment(mp: pytest.MonkeyPatch, home: Path) -> None:
    """No Airflow Connection, Variable or package setting from the caller's shell; the package's
    home (default warehouse and reports) in ``home``."""
    for key in list(os.environ):
        if key.startswith(PREFIXES):
            mp.delenv(key)
    mp.setenv("ENABLEMENT_AUDIT_HOME", str(home))


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    clean_environment(monkeypatch, tmp_path / "home")
    return monkeypatch


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """The session's metadata DB, migrated once (``airflow db migrate``)."""
    done = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=False,
    )
    assert done.returncode == 0, f"airflow db migrate failed:\n{done.stdout}\n{done.stderr}"
    return AIRFLOW_HOME


@pytest.fixture(scope="session")
def dagbag(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """This repository's DAGs folder parsed once (no metadata DB needed), with the deployment's
    schedule settings (``ENABLEMENT_AUDIT_NIGHTLY_*``) at their defaults."""
    from airflow.dag_processing.dagbag import DagBag

    with pytest.MonkeyPatch.context() as mp:
        clean_environment(mp, tmp_path_factory.mktemp("home"))
        bag = DagBag(dag_folder=str(DAGS_FOLDER))
    yield bag
