"""Do the pipeline's marts and a comparator's output (Parquet files) hold the same aggregates?

Compared exactly (``is distinct from``, so equal doubles and equal nulls):

- content actions per rep-week: every ``mart_rep_week`` row against the comparator's count for
  that rep and week (0 when it has none). The mart holds seller-weeks only (SPEC section 4); the
  comparators count every resolved CRM user, so each comparator row the mart lacks must be a
  rep-week that ``int_rep_week_status`` marks as not a seller (counted as ``non_seller_rows``);
  any other difference is a mismatch. All comparator rows, sellers or not, must also equal
  ``fct_content_activity`` counted per resolved rep and week.
- seat utilisation per tool-week: ``mart_tool_seats`` against the comparator, same keys and
  values (null when the tool had no sign-in data that week).
- win rate per rep-quarter: the ``mart_rep_period`` quarter rows that have a win rate (a closed
  deal) against the comparator, same keys, wins, losses and win rate.

Usage: ``python benchmarks/compare.py WAREHOUSE.duckdb OUT_DIR`` (exit 1 on a mismatch), or
``python benchmarks/compare.py --self-test WAREHOUSE.duckdb OUT_DIR``: perturb a copy of an
agreeing output in four ways (a seller's and a non-seller's weekly count, a missing tool-week,
a win rate off by 1e-12) and check that each is caught.
"""

# ruff: noqa: S608 -- the SQL text is built from this module's own paths and names, never from data

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import duckdb

SCHEMA = "enablement"


def compare(warehouse: Path, out: Path, schema: str = SCHEMA) -> dict[str, Any]:
    """Counts of rows compared and of mismatches per aggregate; ``ok`` when none differ."""
    con = duckdb.connect()
    con.execute(f"attach '{warehouse}' as wh (read_only)")
    mart = f"wh.{schema}"

    def one(sql: str) -> tuple[Any, ...]:
        return con.execute(sql).fetchone()

    content = one(f"""
        with
        m as (select rep_id, week_start, content_actions from {mart}.mart_rep_week),
        b as (select rep_id, week_start, content_actions from '{out}/content_rep_week.parquet'),
        status as (select rep_id, week_start, is_seller from {mart}.int_rep_week_status),
        joined as (
            select
                m.rep_id is not null as in_mart,
                coalesce(m.content_actions, 0) as mart_actions,
                coalesce(b.content_actions, 0) as bare_actions,
                coalesce(status.is_seller, false) as is_seller
            from m
            full join b on b.rep_id = m.rep_id and b.week_start = m.week_start
            left join status
                on status.rep_id = coalesce(m.rep_id, b.rep_id)
                and status.week_start = coalesce(m.week_start, b.week_start)
        )
        select
            count(*) filter (where in_mart),
            sum(mart_actions) filter (where in_mart),
            count(*) filter (where in_mart and mart_actions <> bare_actions),
            count(*) filter (where not in_mart and not is_seller),
            coalesce(sum(bare_actions) filter (where not in_mart and not is_seller), 0),
            count(*) filter (where not in_mart and is_seller)
        from joined
    """)
    # every rep-week, sellers or not, against the pipeline's own fact table
    content_fact = one(f"""
        with
        f as (
            select rep_id, week_start, count(*) as content_actions
            from {mart}.fct_content_activity
            where rep_id is not null
            group by rep_id, week_start
        ),
        b as (select rep_id, week_start, content_actions from '{out}/content_rep_week.parquet')
        select count(*) filter (where f.content_actions is distinct from b.content_actions)
        from f
        full join b on b.rep_id = f.rep_id and b.week_start = f.week_start
    """)
    tools = one(f"""
        with
        m as (select tool, week_start, seat_utilization from {mart}.mart_tool_seats),
        b as (select tool, week_start, seat_utilization from '{out}/tool_week.parquet')
        select
            count(*),
            count(m.seat_utilization),
            count(*) filter (
                where m.tool is null or b.tool is null
                or m.seat_utilization is distinct from b.seat_utilization
            )
        from m
        full join b on b.tool = m.tool and b.week_start = m.week_start
    """)
    deals = one(f"""
        with
        m as (
            select rep_id, period_start as quarter_start, wins, losses, win_rate
            from {mart}.mart_rep_period
            where period_type = 'quarter' and win_rate is not null
        ),
        b as (select rep_id, quarter_start, wins, losses, win_rate from '{out}/rep_quarter.parquet')
        select
            count(*),
            coalesce(sum(m.wins + m.losses), 0),
            count(*) filter (
                where m.rep_id is null or b.rep_id is null
                or m.win_rate is distinct from b.win_rate
                or m.wins is distinct from b.wins or m.losses is distinct from b.losses
            )
        from m
        full join b on b.rep_id = m.rep_id and b.quarter_start = m.quarter_start
    """)
    result = {
        "content_actions_rep_week": {
            "rows": content[0],
            "actions": int(content[1] or 0),
            "mismatches": content[2] + content[5] + content_fact[0],
            "non_seller_rows": content[3],
            "non_seller_actions": int(content[4]),
        },
        "seat_utilization_tool_week": {"rows": tools[0], "with_data": tools[1], "mismatches": tools[2]},
        "win_rate_rep_quarter": {"rows": deals[0], "closed_deals": int(deals[1]), "mismatches": deals[2]},
    }
    result["ok"] = all(v["mismatches"] == 0 for v in result.values() if isinstance(v, dict))
    return result


PERTURBATIONS = {
    # name: (file, SQL over the comparator's rows ``r`` and the marts ``wh``, aggregate that must fail)
    "seller rep-week count": (
        "content_rep_week",
        "select r.rep_id, r.week_start, r.content_actions + case when r.rep_id = k.rep_id "
        "and r.week_start = k.week_start then 1 else 0 end as content_actions from r, "
        "(select rep_id, week_start from {mart}.mart_rep_week where content_actions > 0 "
        "order by rep_id, week_start limit 1) as k",
        "content_actions_rep_week",
    ),
    "non-seller rep-week count": (
        "content_rep_week",
        "select r.rep_id, r.week_start, r.content_actions + case when r.rep_id = k.rep_id "
        "and r.week_start = k.week_start then 1 else 0 end as content_actions from r, "
        "(select rep_id, week_start from {mart}.int_rep_week_status s where not is_seller "
        "and exists (select 1 from r where r.rep_id = s.rep_id and r.week_start = s.week_start) "
        "order by rep_id, week_start limit 1) as k",
        "content_actions_rep_week",
    ),
    "missing tool-week": (
        "tool_week",
        "select * from r where (tool, week_start) <> (select (tool, week_start) from r "
        "where seat_utilization is not null order by tool, week_start limit 1)",
        "seat_utilization_tool_week",
    ),
    "win rate off by 1e-12": (
        "rep_quarter",
        "select rep_id, quarter_start, wins, losses, win_rate + case when row_number() over "
        "(order by rep_id, quarter_start) = 1 then 1e-12 else 0 end as win_rate from r",
        "win_rate_rep_quarter",
    ),
}


def self_test(warehouse: Path, out: Path, scratch: Path, schema: str = SCHEMA) -> dict[str, bool]:
    """Whether :func:`compare` catches each of :data:`PERTURBATIONS` applied to a copy of
    ``out`` (a comparator output that agrees)."""
    import shutil

    con = duckdb.connect()
    con.execute(f"attach '{warehouse}' as wh (read_only)")
    caught = {}
    for name, (table, sql, aggregate) in PERTURBATIONS.items():
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.copytree(out, scratch)
        con.execute(f"create or replace temp view r as select * from '{out}/{table}.parquet'")
        query = sql.format(mart=f"wh.{schema}")
        con.execute(f"copy ({query}) to '{scratch}/{table}.parquet' (format parquet)")
        caught[name] = compare(warehouse, scratch, schema)[aggregate]["mismatches"] > 0
    shutil.rmtree(scratch, ignore_errors=True)
    return caught


def main() -> None:
    if sys.argv[1] == "--self-test":
        caught = self_test(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[3] + "-perturbed"))
        print(json.dumps(caught, indent=2))
        sys.exit(0 if all(caught.values()) else 1)
    result = compare(Path(sys.argv[1]), Path(sys.argv[2]))
    print(json.dumps(result, indent=2))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
