"""Security (issue 7 item 6): names from configuration are checked against an allow-list, values
only ever travel as bound parameters, no secret reaches a log, an error, a report or the
warehouse, report pages forbid scripts, and a team page names only that manager's reps."""

from __future__ import annotations

import ast
import base64
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from enablement_audit import models, orchestration
from enablement_audit.config import Settings
from enablement_audit.load import load_path
from enablement_audit.report.data import build_hold_report, team_page_name
from enablement_audit.report.objects import CheckRow, Quality
from enablement_audit.report.publish import TEAM_PAGE
from enablement_audit.report.render import render
from enablement_audit.warehouse import Warehouse, quote_identifier
from tests.conftest import fetch, table_rows, write
from tests.reliability.conftest import PROJECT, Cli, cli_env, settings_for

HOSTILE_NAMES = [
    "enablement; drop schema public cascade",
    'enablement"; drop table x; --',
    "enablement' or '1'='1",
    "public.pipeline_runs",
    "Enablement",  # upper case would need quoting: refused rather than folded
    "1enablement",
    "enable-ment",
    "enablement\x00",
    "énablement",
    "",
    "x" * 64,
]


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_schema_and_table_names_are_refused(name: str, tmp_path: Path):
    with pytest.raises(
        ValidationError, match="is not allowed: use lower-case letters, digits and underscores"
    ):
        Settings(home=tmp_path, schema_name=name)
    with pytest.raises(ValueError, match="is not an allowed SQL identifier"):
        quote_identifier(name)
    engine = sa.create_engine(f"duckdb:///{tmp_path / 'w.duckdb'}")
    with pytest.raises(ValueError, match="is not an allowed SQL identifier"):
        Warehouse(engine, name)
    warehouse = Warehouse(engine, "enablement")
    with pytest.raises(ValueError, match="is not an allowed SQL identifier"):
        warehouse.raw_table(name, [])
    model = models.Model("m", Path("m.sql"), "marts", "one row", "view", "select 1 from {{ ref('x') }}")
    with pytest.raises(ValueError, match="is not an allowed SQL identifier"):
        models.render(model, name, "duckdb")


def test_the_cli_refuses_a_hostile_schema_from_the_environment_or_a_file(tmp_path: Path):
    home = tmp_path / "home"
    cli = Cli(home, cli_env(home, ENABLEMENT_AUDIT_SCHEMA_NAME="x; drop table y"))
    done = cli("tables", check=False)
    assert done.returncode == 1
    assert "Error: configuration: 1 validation error for Settings\nschema_name" in done.stderr
    assert "schema name 'x; drop table y' is not allowed" in done.stderr
    config = write(tmp_path / "config.yaml", "schema_name: 'a\"; drop table b; --'\n")
    cli = Cli(home, cli_env(home, ENABLEMENT_AUDIT_CONFIG=str(config)))
    done = cli("tables", check=False)
    assert done.returncode == 1
    assert """schema name 'a"; drop table b; --' is not allowed""" in done.stderr
    assert not home.exists()  # refused before any warehouse was opened


# --------------------------------------------------------------------------- values

SQL_WORDS = re.compile(r"\b(select|insert|update|delete|create|drop|where|values|copy|from|join)\b", re.I)
QUOTED_PLACEHOLDER = re.compile(r"'[^']*\{[^}]*\}[^']*'")


def _sql_like(text: str) -> bool:
    return len(SQL_WORDS.findall(text)) >= 2


def _literal_parts(node: ast.JoinedStr) -> list[str]:
    return [v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]


def value_formatting(path: Path, root: Path = PROJECT) -> list[str]:
    """Places in a module that build SQL text around a formatted value: an f-string whose
    placeholder sits inside a SQL string literal ('{x}'), ``%`` formatting of SQL, or
    ``.format()`` of a SQL text with a quoted placeholder."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        where = f"{path.relative_to(root)}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.JoinedStr):
            parts = node.values
            text = "".join(_literal_parts(node))
            if not _sql_like(text):
                continue
            for before, value, after in zip(parts, parts[1:], parts[2:], strict=False):
                if (
                    isinstance(value, ast.FormattedValue)
                    and isinstance(before, ast.Constant)
                    and isinstance(after, ast.Constant)
                    and str(before.value).endswith("'")
                    and str(after.value).startswith("'")
                ):
                    found.append(f"{where}: f-string puts a value between quotes in SQL")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            if (
                isinstance(node.left, ast.Constant)
                and isinstance(node.left.value, str)
                and _sql_like(node.left.value)
            ):
                found.append(f"{where}: % formatting of SQL")
        elif (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"
        ):
            target = node.func.value
            text = target.value if isinstance(target, ast.Constant) else None
            if isinstance(text, str) and _sql_like(text) and QUOTED_PLACEHOLDER.search(text):
                found.append(f"{where}: .format() puts a value between quotes in SQL")
    return found


def test_the_scanner_finds_values_formatted_into_sql(tmp_path: Path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "def f(conn, name, day):\n"
        "    conn.execute(f\"select * from t where name = '{name}' and x = 1\")\n"
        "    conn.execute(\"delete from t where day = '%s'\" % day)\n"
        "    conn.execute(\"select a from t where b = '{}'\".format(day))\n"
        '    conn.execute(f"select {name} from t where day = :day")\n'  # identifier: allowed
    )
    found = [f.split(": ", 1)[1] for f in value_formatting(bad, tmp_path)]
    assert found == [
        "f-string puts a value between quotes in SQL",
        "% formatting of SQL",
        ".format() puts a value between quotes in SQL",
    ]


def test_no_value_is_formatted_into_sql_in_the_package():
    files = sorted((PROJECT / "enablement_audit").rglob("*.py"))
    assert len(files) > 30
    assert [problem for path in files for problem in value_formatting(path)] == []


# Jinja in sql/ may only name models and tables, or call the dialect macros on column names.
NAME_CALL = re.compile(r"^(?:ref|source)\('\w+'\)$")
MACRO_CALL = re.compile(r"^(?:local_date|week_of|in_build_weeks)\((.*)\)$")


# A keyed model's statements: the keys it restates, and its select kept to them (``restated``
# names the build's own temporary table of those keys).
KEYED_MODEL = frozenset(
    {"{% macro restate() %}", "{% endmacro %}", "{% if is_incremental %}", "{% endif %}", "{{ restated }}"}
)


def allowed_jinja(expression: str) -> bool:
    """``{{ ref('m') }}``, ``{{ source('t') }}``, ``{{ build_weeks() }}``, the column macros
    around a quoted column name, nested at will, or a keyed model's fixed statements."""
    if expression in KEYED_MODEL:
        return True
    match = re.fullmatch(r"\{\{\s*(.*?)\s*\}\}", expression, re.S)
    if not match:
        return False
    inner = match.group(1)
    if NAME_CALL.match(inner) or inner == "build_weeks()":
        return True
    while (call := MACRO_CALL.match(inner)) is not None:
        inner = call.group(1)
    return inner != match.group(1) and re.fullmatch(r"'[\w.]+'", inner) is not None


def test_the_sql_check_allows_only_names():
    assert allowed_jinja("{{ ref('stg_rep') }}") and allowed_jinja("{{ source('raw_crm_user') }}")
    assert allowed_jinja("{{ week_of(local_date('s.signed_in_at')) }}")
    assert allowed_jinja("{{ in_build_weeks('occurred_at') }}")
    assert not allowed_jinja("{{ in_build_weeks(occurred_at ~ days) }}")
    assert not allowed_jinja("{{ start_date }}")
    assert not allowed_jinja("{{ local_date(user_text) }}")
    assert not allowed_jinja("{{ ref(name) }}")
    assert allowed_jinja("{% if is_incremental %}") and allowed_jinja("{{ restated }}")
    assert not allowed_jinja("{% if week_lo %}") and not allowed_jinja("{{ restated ~ key }}")


def test_sql_models_take_values_only_as_bound_parameters():
    files = sorted((PROJECT / "sql").rglob("*.sql"))
    assert len(files) > 30
    problems = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        code = re.sub(r"--[^\n]*", "", text)
        for match in re.finditer(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", code, re.S):
            if not allowed_jinja(match.group(0)):
                problems.append(f"{path.name}: {match.group(0)}")
        # A bound parameter inside quotes would be text, not a parameter.
        problems += [f"{path.name}: {m}" for m in re.findall(r"'[^'\n]*:\w+[^'\n]*'", code)]
        problems += [f"{path.name}: {m}" for m in re.findall(r"%\(\w+\)s|%s", code)]
    assert problems == []


def test_values_that_look_like_sql_are_stored_as_data(warehouse: Warehouse, tmp_path: Path):
    hostile = "Robert'); drop table enablement.raw_crm_user; --"
    path = write(
        tmp_path / "users" / "2026-11-20" / "User.csv",
        "Id,Name,Email,ManagerId,Title,Department,IsActive,CreatedDate\n"
        f'005A,"{hostile}",bob@example.com,005M,"x\'; delete from enablement.quarantine; --",Sales,true,'
        "2024-01-15T10:30:00.000+0000\n",
    )
    result = load_path(warehouse, "users", str(path))
    assert result.summary() == {"source": "users", "read": 1, "loaded": 1, "quarantined": 0, "duplicates": 0}
    assert table_rows(warehouse, "raw_crm_user", "user_id, name, title") == [
        ("005A", hostile, "x'; delete from enablement.quarantine; --")
    ]


# --------------------------------------------------------------------------- secrets

PASSWORD = f"pw-{uuid.uuid4().hex}"
OKTA_TOKEN = f"00okta-{uuid.uuid4().hex}"
LRS_KEY, LRS_SECRET = "lrs-key", f"lrs-secret-{uuid.uuid4().hex}"
SECRETS = (PASSWORD, OKTA_TOKEN, LRS_SECRET, base64.b64encode(f"{LRS_KEY}:{LRS_SECRET}".encode()).decode())
START, END, WEEK = date(2026, 11, 16), date(2026, 11, 17), "2026-W47"


def leaks(text: str | bytes) -> list[str]:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return [s for s in SECRETS if s in text]


@dataclass
class PgReport:
    url: str  # with the password
    schema: str
    out: Path
    outputs: dict[str, str]  # command -> stdout + stderr
    files: list[Path]  # every file the commands wrote


@pytest.fixture(scope="module")
def pg_report(postgres_server, landing: Path, tmp_path_factory: pytest.TempPathFactory) -> PgReport:
    """``run`` and ``report`` through the CLI against PostgreSQL as a user with a password, with
    API connections holding tokens in the environment, from an empty working folder."""
    root = tmp_path_factory.mktemp("secrets")
    role = f"ea_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(postgres_server.url)
    with admin.begin() as conn:
        # CREATE ROLE takes no bound parameter; the name and password are this test's own.
        conn.execute(sa.text(f"create role {role} login password '{PASSWORD}'"))
        conn.execute(sa.text(f"grant create on database postgres to {role}"))
    admin.dispose()
    url = f"postgresql+psycopg://{role}:{PASSWORD}@127.0.0.1:{postgres_server.port}/postgres"
    schema = f"ea_{uuid.uuid4().hex[:10]}"
    home, work, out = root / "home", root / "work", root / "reports"
    work.mkdir()
    env = cli_env(
        home,
        ENABLEMENT_AUDIT_WAREHOUSE_URL=url,
        ENABLEMENT_AUDIT_SCHEMA_NAME=schema,
        AIRFLOW_CONN_OKTA_API=f'{{"conn_type": "http", "host": "https://acme.okta.com", "password": "{OKTA_TOKEN}"}}',
        AIRFLOW_CONN_XAPI_LRS=(
            f'{{"conn_type": "http", "host": "https://lrs.example.com/xapi", "login": "{LRS_KEY}", '
            f'"password": "{LRS_SECRET}"}}'
        ),
    )
    cli = Cli(home, env, cwd=work)
    outputs = {}
    done = cli("run", "--start", START.isoformat(), "--end", END.isoformat(), "--landing", str(landing))
    outputs["run"] = done.stdout + done.stderr
    done = cli("report", "--week", WEEK, "--out", str(out))
    outputs["report"] = done.stdout + done.stderr
    assert done.stdout.strip().endswith(f"enablement-audit-{WEEK}.html")
    # A warehouse that cannot be reached: the error names the server, not the password.
    unreachable = url.replace(f":{postgres_server.port}/", ":1/")
    done = Cli(home, {**env, "ENABLEMENT_AUDIT_WAREHOUSE_URL": unreachable}, cwd=work)(
        "run", "--start", "2026-11-16", "--end", "2026-11-17", check=False
    )
    assert done.returncode != 0 and "127.0.0.1" in done.stderr and "port 1" in done.stderr
    outputs["unreachable"] = done.stdout + done.stderr
    files = [p for folder in (home, work, out) if folder.exists() for p in folder.rglob("*") if p.is_file()]
    return PgReport(url, schema, out, outputs, files)


@pytest.mark.postgres
def test_no_secret_in_output_files_or_warehouse(pg_report: PgReport):
    for command, text in pg_report.outputs.items():
        assert text and leaks(text) == [], command
    pages = [p for p in pg_report.files if p.suffix == ".html"]
    assert len(pages) >= 3  # organisation, index and at least one team page
    for path in pg_report.files:
        assert leaks(path.read_bytes()) == [], path
    # Nothing the pipeline recorded (load records, quality results, quarantine...) holds one.
    engine = sa.create_engine(pg_report.url)
    with engine.connect() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                sa.text("select table_name from information_schema.tables where table_schema = :s"),
                {"s": pg_report.schema},
            )
        ]
        assert "pipeline_runs" in tables and "dq_results" in tables
        for table in tables:
            for row in conn.execute(sa.text(f'select * from {pg_report.schema}."{table}"')):
                assert leaks(" ".join(str(v) for v in row)) == [], table
    engine.dispose()


@pytest.mark.parametrize(
    "api",
    ["okta", "lrs"],
)
def test_api_failures_do_not_reveal_tokens(
    api: str, httpserver, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    """A server that refuses the credentials and, carelessly, echoes the Authorization header it
    was sent: neither the pull's error nor the logs hold the token or the Basic-auth secret."""
    import logging

    from werkzeug import Response

    def echo(request):
        return Response(f"denied for {request.headers.get('Authorization')}", status=401)

    httpserver.expect_request("/api/v1/logs").respond_with_handler(echo)
    httpserver.expect_request("/xapi/statements").respond_with_handler(echo)
    settings = settings_for(tmp_path / "home", landing=str(tmp_path / "landing"), http_max_retries=0)
    if api == "okta":
        pull = orchestration.pull_okta
        conn = SimpleNamespace(
            conn_id="okta_api", host=httpserver.url_for("/"), schema=None, port=None, login=None,
            password=OKTA_TOKEN, extra_dejson={},
        )  # fmt: skip
    else:
        pull = orchestration.pull_xapi
        conn = SimpleNamespace(
            conn_id="xapi_lrs", host=httpserver.url_for("/xapi"), schema=None, port=None, login=LRS_KEY,
            password=LRS_SECRET, extra_dejson={},
        )  # fmt: skip
    caplog.set_level(logging.DEBUG)
    with pytest.raises(Exception) as failure:
        pull(conn, settings, date(2026, 11, 16), date(2026, 11, 17))
    error = f"{failure.value!r} {failure.value}"
    assert "HTTP 401" in error
    assert leaks(error) == []
    assert leaks(caplog.text) == []
    landed = [p for p in (tmp_path / "landing").rglob("*") if p.is_file()]
    assert all(leaks(p.read_bytes()) == [] for p in landed)


# --------------------------------------------------------------------------- pages


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def csp_problems(html: str) -> list[str]:
    """Why a page could run a script: no CSP meta, a CSP that allows scripts, script tags, event
    handler attributes or javascript: URLs."""
    parser = _Tags()
    parser.feed(html)
    policies = [
        a.get("content") or ""
        for t, a in parser.tags
        if t == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy"
    ]
    if len(policies) != 1:
        return [f"{len(policies)} Content-Security-Policy meta tags"]
    directives = {
        d.split()[0].lower(): d.split()[1:] for d in (p.strip() for p in policies[0].split(";")) if d
    }
    problems = []
    if directives.get("default-src") != ["'none'"]:
        problems.append(f"default-src is {directives.get('default-src')}")
    for name in ("script-src", "script-src-elem", "script-src-attr", "worker-src", "child-src", "frame-src"):
        if name in directives and directives[name] != ["'none'"]:
            problems.append(f"{name} allows {directives[name]}")
    for tag, attrs in parser.tags:
        if tag in ("script", "iframe", "object", "embed", "base"):
            problems.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                problems.append(f"<{tag} {name}=...>")
            if value and value.strip().lower().startswith("javascript:"):
                problems.append(f"<{tag} {name}=javascript:...>")
    return problems


def test_the_policy_check_catches_scripts():
    good = "<html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"></head></html>"
    assert csp_problems(good) == []
    assert csp_problems(good.replace("default-src 'none'", "default-src 'none'; script-src 'self'")) == [
        "script-src allows [\"'self'\"]"
    ]
    assert csp_problems(good + "<script>x()</script>") == ["<script>"]
    assert csp_problems(good + '<a href="javascript:x()" onclick="y()">') == [
        "<a href=javascript:...>",
        "<a onclick=...>",
    ]
    assert csp_problems("<html></html>") == ["0 Content-Security-Policy meta tags"]


@pytest.mark.postgres
def test_every_report_page_forbids_scripts(pg_report: PgReport):
    pages = sorted(pg_report.out.glob("*.html"))
    assert {"index.html", f"enablement-audit-{WEEK}.html"} <= {p.name for p in pages}
    assert any(TEAM_PAGE.match(p.name) for p in pages)
    hold = render(
        "hold.html.j2",
        build_hold_report(
            START,
            Quality(
                run_id="r",
                checked_at=datetime(2026, 11, 17),
                checks=1,
                blocking=[CheckRow("raw_x", "not_null")],
            ),
            None,
        ),
    )
    for name, html in [*((p.name, p.read_text(encoding="utf-8")) for p in pages), ("hold", hold)]:
        assert csp_problems(html) == [], name


class _Reps(HTMLParser):
    """The row headers of the ``#reps`` table and all text of the page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.section: str | None = None
        self.in_row_header = False
        self.reps: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section":
            self.section = a.get("id")
        if tag == "th" and a.get("scope") == "row" and self.section == "reps":
            self.in_row_header = True
            self.reps.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "th":
            self.in_row_header = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.in_row_header:
            self.reps[-1] += data


@pytest.mark.postgres
def test_team_pages_name_only_their_own_reps(pg_report: PgReport):
    engine = sa.create_engine(pg_report.url)
    wh = Warehouse(engine, pg_report.schema)
    people = fetch(wh, f"select rep_id, rep_name, manager_id from {wh.schema}.dim_rep")
    engine.dispose()
    by_manager: dict[str, set[str]] = {}
    for _, name, manager in people:
        by_manager.setdefault(manager, set()).add(name)
    names = {rep_id: name for rep_id, name, _ in people}
    checked = 0
    for manager in sorted(m for m in by_manager if m):
        path = pg_report.out / team_page_name(manager, START)
        if not path.exists():
            continue
        page = _Reps()
        page.feed(path.read_text(encoding="utf-8"))
        own = by_manager[manager]
        assert page.reps and set(page.reps) <= own, manager
        text = " ".join(" ".join(page.text).split())
        # No one outside the team is named, unless a team member or the manager has that name.
        outsiders = {n for n in names.values() if n and n not in own and n != names.get(manager)}
        assert [n for n in sorted(outsiders) if re.search(rf"\b{re.escape(n)}\b", text)] == [], manager
        checked += 1
    assert checked >= 2
