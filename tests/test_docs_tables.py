"""docs/tables.md against the warehouse the pipeline really builds.

A small organisation is loaded in every source format through the real readers and every model is
built (tests/models/conftest.py ``build``) on DuckDB and on a real PostgreSQL server, with the data-quality and report tables created as the
pipeline creates them. Then, for every table and view in the schema:

- docs/tables.md has a ``## name`` section;
- its ``Grain:`` line is the model's grain (``models.discover()``), the source's description for a
  raw table, and the ``enablement-audit tables`` grain for a system table;
- its ``Materialised:`` line names the model's materialisation;
- its column table lists exactly the columns the warehouse reports, with their types (raw tables:
  their own columns; the load columns are documented once for all of them);
- every example query on the page runs.

SQLAlchemy's ``inspect(...).get_columns`` does not work on duckdb_engine, so the columns come from
``information_schema.columns`` (portable, and what the quality engine uses too).
"""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from enablement_audit import cli, models
from enablement_audit.quality.results import dq_results_table
from enablement_audit.report.publish import snapshot_table
from enablement_audit.sources import SOURCES
from enablement_audit.warehouse import LOAD_COLUMNS, Warehouse
from tests.models.conftest import build, load_text

DOC = Path(__file__).resolve().parents[1] / "docs" / "tables.md"

# SPEC section 6: the output tables with stable names that docs/tables.md must document.
SPEC_TABLES = (
    "dim_rep",
    "dim_asset",
    "dim_course",
    "dim_tool",
    "fct_content_activity",
    "fct_learning_statement",
    "fct_tool_signin",
    "fct_opportunity",
    "mart_rep_week",
    "mart_team_week",
    "mart_asset_usage",
    "mart_asset_governance",
    "mart_course_compliance",
    "mart_tool_seats",
    "mart_adoption_impact",
    "mart_scorecard",
    "mart_manager_actions",
    "dq_results",
    "pipeline_runs",
    "quarantine",
)

# The documented types, and the warehouse types (information_schema.data_type) each stands for.
DOC_TYPES = {
    "TEXT": {"VARCHAR", "TEXT", "CHARACTER VARYING"},
    "BIGINT": {"BIGINT", "INTEGER", "HUGEINT", "SMALLINT", "NUMERIC"},
    "DOUBLE": {"DOUBLE", "DOUBLE PRECISION", "FLOAT", "REAL"},
    "BOOLEAN": {"BOOLEAN"},
    "DATE": {"DATE"},
    "TIMESTAMP": {"TIMESTAMP", "TIMESTAMP WITHOUT TIME ZONE"},
}
TABLE_HEADING = re.compile(r"^[a-z_][a-z0-9_]*$")
LOAD_COLUMNS_HEADING = "Load columns (on every raw table)"


# ---------------------------------------------------------------------------------------------
# Reading docs/tables.md


@dataclass
class Section:
    """One heading and the text under it (down to the next heading of the same or a higher level)."""

    level: int
    title: str
    lines: list[str] = field(default_factory=list)

    def field_line(self, label: str) -> str | None:
        """The text after ``label:`` on its own line (``Grain``, ``Materialised``)."""
        prefix = f"{label}: "
        found = [line[len(prefix) :].strip() for line in self.lines if line.startswith(prefix)]
        assert len(found) <= 1, f"{self.title}: {len(found)} '{label}:' lines"
        return found[0] if found else None

    def columns(self) -> list[tuple[str, str]]:
        """``(column, type)`` of the ``| column | type | meaning |`` table, in order."""
        rows: list[tuple[str, str]] = []
        in_table = False
        for line in self.lines:
            cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
            if cells[:2] == ["column", "type"]:
                assert not in_table and not rows, f"{self.title}: more than one column table"
                in_table = True
            elif in_table and cells:
                if set(cells[0]) <= {"-", ":"}:
                    continue
                assert len(cells) == 3, f"{self.title}: row {line!r} does not have 3 cells"
                rows.append((cells[0].strip("`"), cells[1]))
            elif in_table:
                in_table = False
        return rows

    def sql_examples(self) -> list[str]:
        return sql_blocks(self.lines)


def sql_blocks(lines: list[str]) -> list[str]:
    blocks: list[str] = []
    current: list[str] | None = None
    for line in lines:
        if current is None and line.strip() == "```sql":
            current = []
        elif current is not None and line.strip() == "```":
            blocks.append("\n".join(current))
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def parse_doc(text: str) -> list[Section]:
    """Every heading (outside code fences) with the lines under it."""
    sections: list[Section] = []
    open_sections: list[Section] = []
    in_fence = False
    for line in text.splitlines():
        if line.strip().startswith("```"):
            in_fence = not in_fence
        heading = re.match(r"^(#{1,6}) (.+)$", line) if not in_fence else None
        if heading:
            section = Section(len(heading[1]), heading[2].strip())
            open_sections = [s for s in open_sections if s.level < section.level]
            open_sections.append(section)
            sections.append(section)
            continue
        for open_section in open_sections:
            open_section.lines.append(line)
    return sections


def table_sections(sections: list[Section]) -> dict[str, Section]:
    """The ``## table_name`` sections (level-2 headings that are a lower-case identifier)."""
    found: dict[str, Section] = {}
    for section in sections:
        name = section.title.strip("`")
        if section.level == 2 and TABLE_HEADING.match(name):
            assert name not in found, f"docs/tables.md documents {name} twice"
            found[name] = section
    return found


# ---------------------------------------------------------------------------------------------
# Comparing with the warehouse


def warehouse_columns(warehouse: Warehouse) -> dict[str, list[tuple[str, str]]]:
    """``{table or view: [(column, data_type), ...]}`` of the schema, in column order."""
    query = sa.text(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = :schema order by table_name, ordinal_position"
    )
    found: dict[str, list[tuple[str, str]]] = {}
    with warehouse.engine.connect() as conn:
        for table, column, data_type in conn.execute(query, {"schema": warehouse.schema}):
            found.setdefault(table, []).append((column, data_type.upper()))
    return found


def expected_grain(name: str, discovered: dict[str, models.Model]) -> str | None:
    """The grain the doc must state for ``name``; None when only a non-empty one is required."""
    if name in discovered:
        return discovered[name].grain
    raw = {spec.table: spec.description for spec in SOURCES.values()}
    if name in raw:
        return raw[name]
    return cli._SYSTEM_GRAINS.get(name)


def type_matches(documented: str, actual: str) -> bool:
    base = actual.split("(")[0].strip()
    return base in DOC_TYPES.get(documented, set())


def doc_problems(
    warehouse: Warehouse,
    sections: dict[str, Section],
    discovered: dict[str, models.Model],
    only: set[str] | None = None,
) -> list[str]:
    """Every way the documented tables differ from the warehouse (empty when they agree)."""
    problems: list[str] = []
    actual = warehouse_columns(warehouse)
    load_columns = {c.name for c in LOAD_COLUMNS}
    raw_tables = {spec.table for spec in SOURCES.values()}
    for name in sorted(actual):
        if only is not None and name not in only:
            continue
        section = sections.get(name)
        if section is None:
            problems.append(f"{name}: no '## {name}' section")
            continue
        grain = section.field_line("Grain")
        wanted = expected_grain(name, discovered)
        if not grain:
            problems.append(f"{name}: no 'Grain:' line")
        elif wanted is not None and grain != wanted:
            problems.append(f"{name}: documented grain {grain!r}, the model's is {wanted!r}")
        if name in discovered:
            materialised = section.field_line("Materialised") or ""
            if materialised.split(" ")[0] != discovered[name].materialized:
                problems.append(
                    f"{name}: 'Materialised: {materialised}' should start with {discovered[name].materialized}"
                )
        columns = [(c, t) for c, t in actual[name] if not (name in raw_tables and c in load_columns)]
        documented = section.columns()
        documented_names = [c for c, _ in documented]
        for column in sorted({c for c in documented_names if documented_names.count(c) > 1}):
            problems.append(f"{name}.{column}: documented twice")
        documented_types = dict(documented)
        for column, data_type in columns:
            if column not in documented_types:
                problems.append(f"{name}.{column}: not documented ({data_type})")
            elif not type_matches(documented_types[column], data_type):
                problems.append(
                    f"{name}.{column}: documented as {documented_types[column]}, the warehouse has {data_type}"
                )
        existing = {c for c, _ in columns}
        for column in documented_names:
            if column not in existing:
                problems.append(f"{name}.{column}: documented but the table has no such column")
    if only is None:
        for name in sorted(set(sections) - set(actual)):
            problems.append(f"{name}: documented but not in the warehouse")
    return problems


# ---------------------------------------------------------------------------------------------
# The fixture: a small organisation in every source format

USERS = """Id,Name,Email,ManagerId,Title,Department,IsActive,CreatedDate,Region__c
005M,Mo Manager,mo@example.com,,Sales Manager,Sales,true,2020-01-06T09:00:00.000+0000,EMEA
005A,Ann,ann@example.com,005M,Account Executive,Sales,true,2024-01-08T09:00:00.000+0000,EMEA
005B,Bob,bob@example.com,005M,Account Executive,Sales,true,2024-01-08T09:00:00.000+0000,EMEA
005C,Cy,cy@example.com,005M,Sales Development Representative,Sales,true,2026-02-16T09:00:00.000+0000,EMEA
"""

HR = """email,hire_date,employment_status,status_start,status_end,fte
ann@example.com,2024-01-08,active,2024-01-08,,1
bob@example.com,2024-01-08,leave,2026-02-23,2026-03-01,1
"""

OPPORTUNITIES = """Id,OwnerId,AccountId,Name,StageName,Amount,CloseDate,CreatedDate,IsClosed,IsWon,Type
006A,005A,001X,Acme renewal,Closed Won,50000,2026-02-27,2026-01-12T10:00:00Z,true,true,Renewal
006B,005A,001Y,Globex new,Closed Lost,20000,2026-02-20,2026-01-19T10:00:00Z,true,false,New Business
006C,005B,001Z,Initech expansion,Negotiation,30000,2026-04-30,2026-02-02T10:00:00Z,false,false,New Business
"""

QUOTAS = """Id,QuotaOwnerId,StartDate,QuotaAmount,PeriodId
0J9A,005A,2026-01-01,100000,Q1
0J9B,005B,2026-01-01,80000,Q1
"""

LOGIN_HISTORY = """Id,UserId,LoginTime,Status,Application,LoginType
0Ya1,005A,2026-02-24T08:00:00.000+0000,Success,Browser,Application
0Ya2,005B,2026-02-25T08:00:00.000+0000,Invalid Password,Browser,Application
"""

IDENTITY_MAP = """source,external_id,email
xapi,lms-042,bob@example.com
okta,cy.login,cy@example.com
"""

CATALOG = """asset_id,title,asset_type,bucket,owner_email,published_at,expires_at,status,tags
a1,Pricing deck,deck,Sales plays,mo@example.com,2025-06-01T00:00:00Z,,live,pricing
a2,Old battlecard,battlecard,Competitive,gone@example.com,2025-06-01T00:00:00Z,2026-01-31T00:00:00Z,live,
a3,Retired case study,case_study,Proof,mo@example.com,2025-01-01T00:00:00Z,,archived,
"""

ACTIVITY = """event_id,occurred_at,user_email,asset_id,action,duration_seconds,opportunity_id
e1,2026-02-10T10:00:00Z,ann@example.com,a1,present,600,006A
e2,2026-02-24T10:00:00Z,ann@example.com,a2,share,,
e3,2026-02-25T10:00:00Z,cy@example.com,a1,view,30,
e4,2026-02-26T10:00:00Z,stranger@example.com,a1,view,30,
"""

COURSES = """course_id,title,bucket,published_at,required_for,due_days_after_hire,recert_days,reinforcement_days
https://lms.example.com/courses/discovery,Discovery,core,2025-01-01T00:00:00Z,all,14,365,90
https://lms.example.com/courses/negotiation,Negotiation,core,2025-01-01T00:00:00Z,Account Executive,30,,
"""

LICENCES = """tool,seats_purchased,annual_cost_per_seat,currency,renewal_date
Gong,4,1200,USD,2027-03-31
Salesforce,4,1500,USD,2027-01-31
"""

ASSIGNMENTS = """tool,user_email,assigned_at,unassigned_at
Gong,ann@example.com,2026-01-05T09:00:00Z,
Gong,bob@example.com,2026-01-05T09:00:00Z,
Salesforce,ann@example.com,2026-01-05T09:00:00Z,
"""


def statement(number: int, actor: dict, verb: str, course: str, when: str, score: float | None = None) -> str:
    data: dict = {
        "id": f"00000000-0000-4000-8000-{number:012d}",
        "actor": {"objectType": "Agent", **actor},
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}", "display": {"en-US": verb}},
        "object": {"id": f"https://lms.example.com/courses/{course}", "objectType": "Activity"},
        "timestamp": when,
    }
    if score is not None:
        data["result"] = {"score": {"scaled": score}, "success": verb == "passed"}
    return json.dumps(data)


XAPI = "\n".join(
    [
        statement(1, {"mbox": "mailto:ann@example.com"}, "passed", "discovery", "2026-02-11T09:00:00Z", 0.9),
        statement(
            2, {"mbox": "mailto:ann@example.com"}, "experienced", "negotiation", "2026-02-25T09:00:00Z"
        ),
        statement(
            3,
            {"account": {"homePage": "https://lms.example.com", "name": "lms-042"}},
            "failed",
            "discovery",
            "2026-02-18T09:00:00Z",
            0.4,
        ),
    ]
)


def okta_event(uuid: str, login: str, app: str, when: str) -> str:
    return json.dumps(
        {
            "uuid": uuid,
            "published": when,
            "eventType": "user.authentication.sso",
            "outcome": {"result": "SUCCESS"},
            "actor": {"id": "00u1", "type": "User", "alternateId": login, "displayName": login},
            "target": [{"id": "0oa1", "type": "AppInstance", "alternateId": app, "displayName": app}],
        }
    )


OKTA = "\n".join(
    [
        okta_event("o1", "ann@example.com", "Gong", "2026-02-24T09:00:00.000Z"),
        okta_event("o2", "cy.login", "Gong", "2026-02-26T09:00:00.000Z"),
    ]
)

FIXTURE = (
    ("users", "User.csv", USERS),
    ("hr", "hr.csv", HR),
    ("identity_map", "map.csv", IDENTITY_MAP),
    ("opportunities", "Opportunity.csv", OPPORTUNITIES),
    ("quotas", "ForecastingQuota.csv", QUOTAS),
    ("sf_login_history", "LoginHistory.csv", LOGIN_HISTORY),
    ("content_catalog", "assets.csv", CATALOG),
    ("content_activity", "activity.csv", ACTIVITY),
    ("courses", "courses.csv", COURSES),
    ("xapi", "statements.jsonl", XAPI),
    ("okta", "logs.jsonl", OKTA),
    ("licences", "licences.csv", LICENCES),
    ("licence_assignments", "assignments.csv", ASSIGNMENTS),
)
START, END = date(2026, 2, 2), date(2026, 3, 2)  # four ISO weeks, 2026-W06..W09


def create_system_tables(warehouse: Warehouse) -> None:
    """The tables the pipeline creates outside the model build: data-quality results and the
    report's snapshots (the loader's and the settings' tables exist from ``ensure()``)."""
    dq_results_table(warehouse)
    with warehouse.engine.begin() as conn:
        snapshot_table(warehouse).create(conn, checkfirst=True)


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """Every source loaded through its reader and every model built, on DuckDB and on a real
    PostgreSQL server (a fresh schema there)."""
    tmp_path = tmp_path_factory.mktemp("docs")
    if request.param == "duckdb":
        warehouse = Warehouse.from_url(f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
    else:
        server = request.getfixturevalue("postgres_server")
        warehouse = Warehouse.from_url(server.url, f"ea_{uuid.uuid4().hex[:10]}")
    warehouse.ensure()
    for source, name, text in FIXTURE:
        summary = load_text(warehouse, tmp_path, source, name, text)
        assert summary["quarantined"] == 0 and summary["loaded"] > 0, summary
    build(warehouse, START, END)
    create_system_tables(warehouse)
    yield warehouse
    if request.param == "postgres":
        with warehouse.engine.begin() as conn:
            conn.execute(sa.text(f"drop schema {warehouse.schema} cascade"))
    warehouse.engine.dispose()


@pytest.fixture(scope="module")
def doc_sections() -> list[Section]:
    return parse_doc(DOC.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def documented(doc_sections: list[Section]) -> dict[str, Section]:
    return table_sections(doc_sections)


# ---------------------------------------------------------------------------------------------
# The tests


def test_the_fixture_builds_every_model(built):
    actual = set(warehouse_columns(built))
    assert set(models.discover()) <= actual
    assert {spec.table for spec in SOURCES.values()} <= actual
    assert {"quarantine", "pipeline_runs", "dq_results", "report_snapshots"} <= actual


def test_every_table_and_view_is_documented_with_its_grain_and_columns(built, documented):
    problems = doc_problems(built, documented, models.discover())
    assert problems == [], "docs/tables.md is out of date:\n" + "\n".join(problems)


def test_every_spec_section_6_table_is_documented_and_built(built, documented):
    actual = set(warehouse_columns(built))
    assert [t for t in SPEC_TABLES if t not in documented] == []
    assert [t for t in SPEC_TABLES if t not in actual] == []


def test_the_load_columns_are_documented_once_for_every_raw_table(built, doc_sections):
    [section] = [s for s in doc_sections if s.title == LOAD_COLUMNS_HEADING]
    documented = section.columns()
    assert [c for c, _ in documented] == [c.name for c in LOAD_COLUMNS]
    actual = warehouse_columns(built)
    for spec in SOURCES.values():
        types = dict(actual[spec.table])
        for column, doc_type in documented:
            assert type_matches(doc_type, types[column]), (spec.table, column, types[column])


def test_every_table_section_says_how_it_is_kept_and_gives_an_example(documented):
    raw_tables = {spec.table for spec in SOURCES.values()}
    missing = [
        name
        for name, section in documented.items()
        if name not in raw_tables and (not section.field_line("Materialised") or not section.sql_examples())
    ]
    assert missing == []


def test_every_example_query_runs(built):
    # the examples name the default schema; the PostgreSQL run builds into a schema of its own
    queries = [
        re.sub(r"\benablement\.", f"{built.schema}.", q)
        for q in sql_blocks(DOC.read_text(encoding="utf-8").splitlines())
    ]
    assert queries
    failures = []
    with built.engine.connect() as conn:
        for query in queries:
            try:
                conn.execute(sa.text(query.strip().rstrip(";"))).fetchall()
            except sa.exc.DBAPIError as exc:
                failures.append(f"{query}\n  -> {exc.orig}")
                conn.rollback()
    assert failures == [], "\n\n".join(failures)


def test_the_check_fails_when_a_model_gains_an_undocumented_column(warehouse, tmp_path, documented):
    # dim_tool with one more column, and mart_tool_seats with another grain: both must be reported
    discovered = models.discover()
    dim_tool = discovered["dim_tool"]
    changed = {
        **discovered,
        "dim_tool": dataclasses.replace(
            dim_tool,
            template=dim_tool.template.replace(
                "select * from final", "select final.*, 1 as surprise from final"
            ),
        ),
        "mart_tool_seats": dataclasses.replace(discovered["mart_tool_seats"], grain="one row per tool"),
    }
    assert changed["dim_tool"].template != dim_tool.template
    load_text(warehouse, tmp_path, "licences", "licences.csv", LICENCES)
    models.build(
        warehouse,
        models.BuildWindow(START, END),
        {"ramp_grace_days": 30, "tz": "UTC", "quota_months": 3, "metric_version": "test", "impact_min_n": 30},
        select=["dim_tool", "mart_tool_seats"],
        models=changed,
    )
    problems = doc_problems(warehouse, documented, changed, only={"dim_tool", "mart_tool_seats"})
    assert problems == [
        "dim_tool.surprise: not documented (INTEGER)",
        "mart_tool_seats: documented grain 'one row per licensed tool per ISO week', "
        "the model's is 'one row per tool'",
    ]
