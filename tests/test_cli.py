"""The CLI forms of SPEC section 8 that scripts depend on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner

from enablement_audit.cli import main
from tests.conftest import write

USERS = """Id,Name,Email,ManagerId,Title,Department,IsActive,CreatedDate
005M,Mo,mo@example.com,,Sales Manager,Sales,true,2020-01-06T09:00:00.000+0000
005A,Ann,ann@example.com,005M,Account Executive,Sales,true,2025-01-06T09:00:00.000+0000
005B,Bob,not-an-email,005M,Account Executive,Sales,true,2025-01-06T09:00:00.000+0000
005A,Ann,ann@example.com,005M,Account Executive,Sales,true,2025-01-06T09:00:00.000+0000
"""

ACTIVITY = """event_id,occurred_at,user_email,asset_id,action,duration_seconds,opportunity_id
e1,2026-11-17T10:00:00Z,ann@example.com,deck,view,30,
"""


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_load_json_line_and_exit_zero_with_quarantined_rows(tmp_path: Path):
    path = write(tmp_path / "users" / "2026-11-20" / "User.csv", USERS)
    url = f"duckdb:///{tmp_path / 'wh.duckdb'}"

    result = invoke("load", "users", str(path), "--json", "--warehouse", url)

    assert result.exit_code == 0
    # 4 read: 005M and 005A load, 005B's e-mail is quarantined, the second 005A is a duplicate.
    assert json.loads(result.output.strip().splitlines()[-1]) == {
        "source": "users",
        "read": 4,
        "loaded": 2,
        "quarantined": 1,
        "duplicates": 1,
    }


def test_load_of_an_unreadable_file_fails_naming_it(tmp_path: Path):
    path = write(tmp_path / "User.csv", "")
    result = invoke("load", "users", str(path), "--warehouse", f"duckdb:///{tmp_path / 'wh.duckdb'}")
    assert result.exit_code == 1
    assert f"{path}: the file is empty: expected a header row" in result.output


def test_load_of_an_unknown_source_is_refused(tmp_path: Path):
    result = invoke("load", "crm", str(tmp_path), "--warehouse", f"duckdb:///{tmp_path / 'wh.duckdb'}")
    assert result.exit_code == 1
    assert "unknown source 'crm'" in result.output


def test_run_check_report_and_tables(tmp_path: Path):
    landing = tmp_path / "landing"
    write(landing / "users" / "2026-11-16" / "User.csv", USERS)
    write(landing / "content_activity" / "2026-11-17" / "activity.csv", ACTIVITY)
    url = f"duckdb:///{tmp_path / 'wh.duckdb'}"

    run = invoke(
        "run", "--start", "2026-11-16", "--end", "2026-11-23", "--landing", str(landing), "--warehouse", url
    )
    assert run.exit_code == 0, run.output
    assert "content_activity     read         1  loaded         1" in run.output

    check = invoke("check", "--start", "2026-11-16", "--end", "2026-11-23", "--json", "--warehouse", url)
    assert check.exit_code == 0
    results = json.loads(check.output.strip().splitlines()[-1])
    assert set(results[0]) == {"suite", "expectation", "column", "severity", "success", "observed"}
    assert {"raw_crm_user", "raw_content_event"} <= {r["suite"] for r in results}

    report = invoke("report", "--week", "2026-W47", "--out", str(tmp_path / "reports"), "--warehouse", url)
    assert report.exit_code == 0
    assert report.output.strip().splitlines()[-1] == str(
        tmp_path / "reports" / "enablement-audit-2026-W47.html"
    )
    assert (tmp_path / "reports" / "team-005M-2026-W47.html").exists()
    assert (tmp_path / "reports" / "index.html").exists()

    tables = invoke("tables", "--warehouse", url)
    assert (
        "mart_rep_week                    one row per seller per ISO week (rep_id, week_start)"
        in tables.output
    )


def test_check_exits_one_when_a_blocking_check_fails(tmp_path: Path):
    landing = tmp_path / "landing"
    write(landing / "users" / "2026-11-16" / "User.csv", USERS)
    url = f"duckdb:///{tmp_path / 'wh.duckdb'}"
    assert (
        invoke(
            "run",
            "--start",
            "2026-11-16",
            "--end",
            "2026-11-23",
            "--landing",
            str(landing),
            "--warehouse",
            url,
        ).exit_code
        == 0
    )
    # A row that bypassed the reader: a user with no e-mail breaks a blocking not-null check.
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "insert into enablement.raw_crm_user (user_id, is_active, source_date) "
                "values ('005X', true, date '2026-11-16')"
            )
        )
    engine.dispose()

    check = invoke("check", "--start", "2026-11-16", "--end", "2026-11-23", "--warehouse", url)
    assert check.exit_code == 1
    assert "raw_crm_user" in check.output

    report = invoke("report", "--week", "2026-W47", "--out", str(tmp_path / "reports"), "--warehouse", url)
    assert report.exit_code == 1
    assert "hold-2026-W47.html" in report.output
    assert not (tmp_path / "reports" / "enablement-audit-2026-W47.html").exists()


def test_duckdb_out_of_memory_names_the_limit_and_how_to_raise_it(tmp_path: Path):
    """An embedded warehouse out of its memory_limit: exit 1 and one line saying what the limit
    is and how to give it more (the process entry point, as a shell runs it)."""
    lines = "".join(
        f"e{n},2026-11-17T10:00:00Z,rep{n % 97}@example.com,asset{n % 13},view,{n % 600},\n"
        for n in range(20_000)
    )
    path = write(tmp_path / "content_activity" / "2026-11-17" / "events.csv", ACTIVITY + lines)
    url = f"duckdb:///{tmp_path / 'w.duckdb'}?memory_limit=4MB"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "enablement_audit.cli",
            "load",
            "content_activity",
            str(path),
            "--warehouse",
            url,
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 1
    assert done.stderr.startswith("Error: cannot use the warehouse: Out of Memory Error: ")
    assert done.stderr.rstrip().endswith(
        "(DuckDB's memory_limit is 1GB unless the warehouse URL sets one: give it more, "
        "e.g. duckdb:///warehouse.duckdb?memory_limit=3GB for a year at scale L)"
    )
