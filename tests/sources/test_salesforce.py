"""Salesforce Opportunity, ForecastingQuota and LoginHistory exports, both field-name forms.

The API form is written as the Bulk API and Data Loader export it (every cell quoted, timestamps
``2024-01-15T10:30:00.000+0000``); the snake_case form as a replication tool lands it (extra
``_fivetran_*`` columns, dates as ``2024-03-28 00:00:00``).
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from enablement_audit.load import load_path
from enablement_audit.sources.base import SourceFileError
from tests.conftest import REAL_SAMPLES, quarantine, table_rows, write

OPPORTUNITY_COLUMNS = (
    "opportunity_id, owner_id, account_id, name, stage_name, amount, close_date, created_at,"
    " is_closed, is_won, type, forecast_category, system_modstamp"
)

OPPORTUNITY_API = """"Id","OwnerId","AccountId","Name","StageName","Amount","CloseDate","CreatedDate","IsClosed","IsWon","Type","ForecastCategoryName","SystemModstamp"
"006A","005A","001X","Acme, Inc. renewal","Closed Won","12500.0","2024-03-28","2024-01-15T10:30:00.000+0000","true","true","Existing Business","Closed","2024-03-28T16:05:00.000+0000"
"006B","005B","001Y","Globex pilot","Prospecting","","2024-06-30","2024-02-01T23:30:00.000-0800","false","false","","Pipeline",""
"006C","005A","001X","Refund","Closed Won","-5.0","2024-03-28","2024-01-15T10:30:00.000+0000","true","true","","Closed",""
"006D","005A","001X","Backdated","Closed Lost","100.0","2024-01-10","2024-01-15T10:30:00.000+0000","true","false","","Omitted",""
"006E","005A","001X","Won but open","Negotiation","100.0","2024-03-28","2024-01-15T10:30:00.000+0000","false","true","","Commit",""
"006F","","001X","No owner","Prospecting","100.0","2024-03-28","2024-01-15T10:30:00.000+0000","false","false","","Pipeline",""
"006G","005A","001X","Day first","Prospecting","100.0","31/03/2024","2024-01-15T10:30:00.000+0000","false","false","","Pipeline",""
"006H","005A","001X","Words","Prospecting","n/a","2024-03-28","2024-01-15T10:30:00.000+0000","false","false","","Pipeline",""
"""

# Fivetran's salesforce connector: both forecast_category (the API value) and
# forecast_category_name (the label) are landed; the label is the one read.
OPPORTUNITY_SNAKE = """_fivetran_synced,account_id,amount,close_date,created_date,forecast_category,forecast_category_name,id,is_closed,is_deleted,is_won,name,owner_id,probability,stage_name,system_modstamp,type,_fivetran_active
2024-04-02 06:00:00.000,001Z,48000,2024-05-31 00:00:00,2024-04-01 09:12:45,BestCase,Best Case,006K,false,false,false,Initech expansion,005C,60,Proposal,2024-04-01 09:12:45,New Business,true
2024-04-02 06:00:00.000,,,2024-04-01 00:00:00,2024-04-01 18:00:00,Omitted,Omitted,006L,true,false,false,,005C,0,Closed Lost,2024-04-01 18:05:00,,true
"""


def test_opportunity_api_form_loads_typed_rows_and_quarantines_bad_ones(warehouse, tmp_path):
    path = write(tmp_path / "opportunities" / "2024-04-01" / "Opportunity.csv", OPPORTUNITY_API)

    result = load_path(warehouse, "opportunities", str(path))

    # 8 rows (lines 2-9): 006A and 006B load; 006C-006H are quarantined (6). 2 + 6 + 0 = 8.
    assert result.summary() == {
        "source": "opportunities",
        "read": 8,
        "loaded": 2,
        "quarantined": 6,
        "duplicates": 0,
    }
    assert table_rows(warehouse, "raw_crm_opportunity", OPPORTUNITY_COLUMNS) == [
        (
            "006A",
            "005A",
            "001X",
            "Acme, Inc. renewal",
            "Closed Won",
            12500.0,
            date(2024, 3, 28),
            datetime(2024, 1, 15, 10, 30),
            True,
            True,
            "Existing Business",
            "Closed",
            datetime(2024, 3, 28, 16, 5),
        ),
        # 2024-02-01 23:30 at -0800 is 2024-02-02 07:30 UTC; empty Amount, Type, SystemModstamp
        # are NULL.
        (
            "006B",
            "005B",
            "001Y",
            "Globex pilot",
            "Prospecting",
            None,
            date(2024, 6, 30),
            datetime(2024, 2, 2, 7, 30),
            False,
            False,
            None,
            "Pipeline",
            None,
        ),
    ]
    assert quarantine(warehouse, "opportunities") == [
        (4, "negative_amount", "Amount: -5 must be at least 0"),
        (5, "close_before_create", "CloseDate: 2024-01-10 is before CreatedDate 2024-01-15"),
        (6, "inconsistent_flags", "IsWon: is true while IsClosed is false"),
        (7, "missing_value", "OwnerId: is required but empty"),
        (8, "bad_date", "CloseDate: '31/03/2024' is not a YYYY-MM-DD date"),
        (9, "bad_float", "Amount: 'n/a' is not a number"),
    ]


def test_opportunity_snake_case_form_loads(warehouse, tmp_path):
    path = write(tmp_path / "sf_opportunity.csv", OPPORTUNITY_SNAKE)

    result = load_path(warehouse, "opportunities", str(path))

    assert result.summary() == {
        "source": "opportunities",
        "read": 2,
        "loaded": 2,
        "quarantined": 0,
        "duplicates": 0,
    }
    assert table_rows(warehouse, "raw_crm_opportunity", OPPORTUNITY_COLUMNS) == [
        (
            "006K",
            "005C",
            "001Z",
            "Initech expansion",
            "Proposal",
            48000.0,
            date(2024, 5, 31),
            datetime(2024, 4, 1, 9, 12, 45),
            False,
            False,
            "New Business",
            "Best Case",  # forecast_category_name, not forecast_category (BestCase)
            datetime(2024, 4, 1, 9, 12, 45),
        ),
        # Closed on the day it was created (created 18:00 UTC, close date the same day): valid.
        (
            "006L",
            "005C",
            None,
            None,
            "Closed Lost",
            None,
            date(2024, 4, 1),
            datetime(2024, 4, 1, 18, 0),
            True,
            False,
            None,
            "Omitted",
            datetime(2024, 4, 1, 18, 5),
        ),
    ]
    assert quarantine(warehouse, "opportunities") == []


OPP_HEADER = (
    "Id,OwnerId,AccountId,Name,StageName,Amount,CloseDate,CreatedDate,IsClosed,IsWon,Type,"
    "ForecastCategoryName,SystemModstamp\n"
)


def test_opportunity_newest_system_modstamp_wins(warehouse, tmp_path):
    base = tmp_path / "opportunities"
    first = write(
        base / "2024-03-01" / "Opportunity.csv",
        OPP_HEADER + "006A,005A,001X,Acme,Negotiation,12000.0,2024-03-28,"
        "2024-01-15T10:30:00.000Z,false,false,,Commit,2024-03-01T09:00:00.000Z\n",
    )
    newer = write(
        base / "2024-03-28" / "sf_opportunity.csv",
        "id,owner_id,account_id,name,stage_name,amount,close_date,created_date,is_closed,is_won,"
        "type,forecast_category_name,system_modstamp,_fivetran_synced\n"
        "006A,005A,001X,Acme,Closed Won,12500,2024-03-28 00:00:00,2024-01-15 10:30:00,true,true,"
        ",Closed,2024-03-28 16:05:00,2024-03-29 02:00:00\n",
    )
    # A late re-delivery of an older version (SystemModstamp 2024-02-20) must not win.
    older = write(
        base / "2024-03-30" / "Opportunity.csv",
        OPP_HEADER + "006A,005A,001X,Acme,Proposal,10000.0,2024-03-28,"
        "2024-01-15T10:30:00.000Z,false,false,,Pipeline,2024-02-20T12:00:00.000Z\n",
    )

    summaries = [load_path(warehouse, "opportunities", str(p)).summary() for p in (first, newer, older)]

    assert summaries == [
        {"source": "opportunities", "read": 1, "loaded": 1, "quarantined": 0, "duplicates": 0},
        {"source": "opportunities", "read": 1, "loaded": 1, "quarantined": 0, "duplicates": 0},
        {"source": "opportunities", "read": 1, "loaded": 0, "quarantined": 0, "duplicates": 1},
    ]
    assert table_rows(
        warehouse,
        "raw_crm_opportunity",
        "opportunity_id, stage_name, amount, system_modstamp, source_file",
    ) == [("006A", "Closed Won", 12500.0, datetime(2024, 3, 28, 16, 5), str(newer))]
    assert quarantine(warehouse, "opportunities") == []


def test_opportunity_newest_version_wins_inside_one_file(warehouse, tmp_path):
    # The newer version comes first; the older one on line 3 is the duplicate.
    path = write(
        tmp_path / "Opportunity.csv",
        OPP_HEADER + "006B,005B,,Globex,Closed Won,900.0,2024-05-02,2024-04-01T08:00:00.000Z,"
        "true,true,,Closed,2024-05-02T10:00:00.000Z\n"
        "006B,005B,,Globex,Qualification,900.0,2024-05-31,2024-04-01T08:00:00.000Z,"
        "false,false,,Pipeline,2024-04-01T08:00:00.000Z\n",
    )

    result = load_path(warehouse, "opportunities", str(path))

    assert result.summary() == {
        "source": "opportunities",
        "read": 2,
        "loaded": 1,
        "quarantined": 0,
        "duplicates": 1,
    }
    assert table_rows(warehouse, "raw_crm_opportunity", "opportunity_id, stage_name, source_line") == [
        ("006B", "Closed Won", 2)
    ]


def test_opportunity_loading_twice_changes_nothing(warehouse, tmp_path):
    path = write(tmp_path / "opportunities" / "2024-04-01" / "Opportunity.csv", OPPORTUNITY_API)
    load_path(warehouse, "opportunities", str(path))
    before = (
        table_rows(warehouse, "raw_crm_opportunity", "*", "opportunity_id"),
        quarantine(warehouse, "opportunities"),
    )

    again = load_path(warehouse, "opportunities", str(path))

    # The 2 good rows are now duplicates; the 6 bad rows are quarantined again (replacing, not
    # adding to, their first quarantine rows). 0 + 6 + 2 = 8.
    assert again.summary() == {
        "source": "opportunities",
        "read": 8,
        "loaded": 0,
        "quarantined": 6,
        "duplicates": 2,
    }
    after = (
        table_rows(warehouse, "raw_crm_opportunity", "*", "opportunity_id"),
        quarantine(warehouse, "opportunities"),
    )
    assert after == before


def test_opportunity_file_without_a_required_column_is_refused(warehouse, tmp_path):
    path = write(
        tmp_path / "Opportunity.csv",
        "Id,OwnerId,CloseDate,CreatedDate,IsClosed,IsWon\n"
        "006A,005A,2024-03-28,2024-01-15T10:30:00.000Z,false,false\n",
    )

    with pytest.raises(SourceFileError, match=r"missing required column\(s\) StageName, Amount;"):
        load_path(warehouse, "opportunities", str(path))

    assert table_rows(warehouse, "raw_crm_opportunity") == []


def test_real_fivetran_opportunity_sample(warehouse):
    path = REAL_SAMPLES / "salesforce_fivetran" / "sf_opportunity_data.csv"
    if not path.exists():
        pytest.skip("real samples are not available")

    result = load_path(warehouse, "opportunities", str(path))

    # 10 data rows. Line 6 (006q000000HddueAAB, "Chewbaca") has close_date 2018-12-07 and
    # created_date 2018-12-19 20:22:58; the other 9 pass every rule. The sample has no
    # system_modstamp column.
    assert result.summary() == {
        "source": "opportunities",
        "read": 10,
        "loaded": 9,
        "quarantined": 1,
        "duplicates": 0,
    }
    assert quarantine(warehouse, "opportunities") == [
        (6, "close_before_create", "CloseDate: 2018-12-07 is before CreatedDate 2018-12-19"),
    ]
    # Amounts present on 4 loaded rows: 24120000 + 200000 + 1 + 210000 = 24530001.
    # Won: lines 2-5 (line 6 is quarantined) = 4; closed: all but line 11 = 8.
    assert table_rows(
        warehouse,
        "raw_crm_opportunity",
        "count(*), sum(amount), count(amount), sum(is_won::int), sum(is_closed::int), count(system_modstamp)",
    ) == [(9, 24530001.0, 4, 4, 8, 0)]


QUOTA_COLUMNS = "quota_id, owner_id, start_date, quota_amount, period_id, source_date"

QUOTA_API = """"Id","QuotaOwnerId","StartDate","QuotaAmount","QuotaQuantity","PeriodId","ForecastingTypeId","CurrencyIsoCode"
"0J9A","005A","2024-01-01","250000.0","","0260A","0DbX","USD"
"0J9B","005B","2024-01-01","180000.5","","","0DbX","USD"
"0J9C","005C","2024-01-01","-1000.0","","0260A","0DbX","USD"
"0J9D","","2024-01-01","100000.0","","0260A","0DbX","USD"
"0J9E","005E","Q1 2024","100000.0","","0260A","0DbX","USD"
"0J9F","005F","2024-01-01","","12","0260A","0DbX","USD"
"0J9G","005G","2024-01-01","lots","","0260A","0DbX","USD"
"""

QUOTA_SNAKE = """_fivetran_synced,_fivetran_deleted,id,quota_owner_id,start_date,quota_amount,period_id,currency_iso_code
2024-01-09 02:00:00.000,false,0J9A,005A,2024-01-01 00:00:00,275000,0260A,USD
2024-01-09 02:00:00.000,false,0J9H,005H,2024-04-01 00:00:00,90000,0260B,USD
"""


def test_quota_api_form_loads_typed_rows_and_quarantines_bad_ones(warehouse, tmp_path):
    path = write(tmp_path / "quotas" / "2024-01-02" / "ForecastingQuota.csv", QUOTA_API)

    result = load_path(warehouse, "quotas", str(path))

    # 7 rows: 0J9A, 0J9B load; 0J9C-0J9G quarantined. 2 + 5 + 0 = 7.
    assert result.summary() == {
        "source": "quotas",
        "read": 7,
        "loaded": 2,
        "quarantined": 5,
        "duplicates": 0,
    }
    assert table_rows(warehouse, "raw_crm_quota", QUOTA_COLUMNS) == [
        ("0J9A", "005A", date(2024, 1, 1), 250000.0, "0260A", date(2024, 1, 2)),
        ("0J9B", "005B", date(2024, 1, 1), 180000.5, None, date(2024, 1, 2)),
    ]
    assert quarantine(warehouse, "quotas") == [
        (4, "negative_amount", "QuotaAmount: -1000 must be at least 0"),
        (5, "missing_value", "QuotaOwnerId: is required but empty"),
        (6, "bad_date", "StartDate: 'Q1 2024' is not a YYYY-MM-DD date"),
        (7, "missing_value", "QuotaAmount: is required but empty"),
        (8, "bad_float", "QuotaAmount: 'lots' is not a number"),
    ]


def test_quota_snake_case_form_and_newer_snapshot_wins(warehouse, tmp_path):
    write(tmp_path / "quotas" / "2024-01-02" / "ForecastingQuota.csv", QUOTA_API)
    write(tmp_path / "quotas" / "2024-01-09" / "sf_forecasting_quota.csv", QUOTA_SNAKE)

    result = load_path(warehouse, "quotas", str(tmp_path / "quotas"))

    # Day 2: 7 read, 5 quarantined, 0J9A and 0J9B valid. Day 9: 0J9A raised to 275000 and 0J9H
    # new. Both days load together, so only the newest 0J9A loads and day 2's is a duplicate:
    # loaded 0J9A (day 9), 0J9B, 0J9H = 3; total 9 = 3 + 5 + 1.
    assert result.summary() == {
        "source": "quotas",
        "read": 9,
        "loaded": 3,
        "quarantined": 5,
        "duplicates": 1,
    }
    assert table_rows(warehouse, "raw_crm_quota", QUOTA_COLUMNS) == [
        ("0J9A", "005A", date(2024, 1, 1), 275000.0, "0260A", date(2024, 1, 9)),
        ("0J9B", "005B", date(2024, 1, 1), 180000.5, None, date(2024, 1, 2)),
        ("0J9H", "005H", date(2024, 4, 1), 90000.0, "0260B", date(2024, 1, 9)),
    ]

    # The older snapshot arriving again later neither replaces 0J9A nor adds anything.
    again = load_path(warehouse, "quotas", str(tmp_path / "quotas" / "2024-01-02"))
    assert again.summary() == {
        "source": "quotas",
        "read": 7,
        "loaded": 0,
        "quarantined": 5,
        "duplicates": 2,
    }
    assert table_rows(warehouse, "raw_crm_quota", "quota_id, quota_amount") == [
        ("0J9A", 275000.0),
        ("0J9B", 180000.5),
        ("0J9H", 90000.0),
    ]


def test_quota_loading_twice_changes_nothing(warehouse, tmp_path):
    path = write(tmp_path / "quotas" / "2024-01-02" / "ForecastingQuota.csv", QUOTA_API)
    load_path(warehouse, "quotas", str(path))
    before = (
        table_rows(warehouse, "raw_crm_quota", "*", "quota_id"),
        quarantine(warehouse, "quotas"),
    )

    again = load_path(warehouse, "quotas", str(path))

    assert again.summary() == {
        "source": "quotas",
        "read": 7,
        "loaded": 0,
        "quarantined": 5,
        "duplicates": 2,
    }
    after = (
        table_rows(warehouse, "raw_crm_quota", "*", "quota_id"),
        quarantine(warehouse, "quotas"),
    )
    assert after == before


LOGIN_COLUMNS = "login_id, user_id, login_at, status, application, login_type, is_success"

LOGIN_API = """Id,UserId,LoginTime,Status,Application,LoginType,SourceIp,LoginUrl,Browser,Platform
0YaA,005A,2024-03-04T08:15:30.000+0000,Success,Browser,Application,203.0.113.5,login.salesforce.com,Chrome 122,Mac OSX
0YaB,005A,2024-03-04T08:14:02.000+0000,Invalid Password,Browser,Application,203.0.113.5,login.salesforce.com,Chrome 122,Mac OSX
0YaC,005B,2024-03-04T09:00:00.000+0000,success,Salesforce for iOS,Remote Access 2.0,198.51.100.7,,Unknown,iOS
0YaD,005B,,Success,Browser,Application,198.51.100.7,login.salesforce.com,Firefox 123,Windows 10
0YaE,005C,04/03/2024 09:00,Success,Browser,Application,198.51.100.9,login.salesforce.com,Edge 122,Windows 11
0YaF,,2024-03-04T09:30:00.000+0000,Success,Browser,Application,198.51.100.9,login.salesforce.com,Edge 122,Windows 11
0YaG,005C,2024-03-04T10:00:00.000+0000,,Browser,Application,198.51.100.9,login.salesforce.com,Edge 122,Windows 11
0YaA,005A,2024-03-04T08:15:30.000+0000,Success,Browser,Application,203.0.113.5,login.salesforce.com,Chrome 122,Mac OSX
0YaB,005A,2024-03-04T08:14:02.000+0000,Success,Browser,Application,203.0.113.5,login.salesforce.com,Chrome 122,Mac OSX
"""

LOGIN_SNAKE = """_fivetran_synced,id,user_id,login_time,status,application,login_type,source_ip
2024-03-06 02:00:00.000,0YaK,005C,2024-03-05 07:00:00,Success,Browser,SAML Idp Initiated SSO,198.51.100.9
2024-03-06 02:00:00.000,0YaL,005C,2024-03-05 07:01:10.250,Failed: Computer activation required,Browser,Application,198.51.100.9
"""


def test_login_history_api_form_loads_and_quarantines_bad_ones(warehouse, tmp_path):
    path = write(tmp_path / "sf_login_history" / "2024-03-04" / "LoginHistory.csv", LOGIN_API)

    result = load_path(warehouse, "sf_login_history", str(path))

    # 9 rows: 0YaA, 0YaB, 0YaC load; 0YaD-0YaG bad (4); line 9 repeats 0YaA exactly (duplicate);
    # line 10 repeats 0YaB with another Status (conflict, quarantined). 3 + 5 + 1 = 9.
    assert result.summary() == {
        "source": "sf_login_history",
        "read": 9,
        "loaded": 3,
        "quarantined": 5,
        "duplicates": 1,
    }
    assert table_rows(warehouse, "raw_sf_login", LOGIN_COLUMNS) == [
        (
            "0YaA",
            "005A",
            datetime(2024, 3, 4, 8, 15, 30),
            "Success",
            "Browser",
            "Application",
            True,
        ),
        (
            "0YaB",
            "005A",
            datetime(2024, 3, 4, 8, 14, 2),
            "Invalid Password",
            "Browser",
            "Application",
            False,
        ),
        # Status kept as given; is_success compares case-insensitively.
        (
            "0YaC",
            "005B",
            datetime(2024, 3, 4, 9, 0),
            "success",
            "Salesforce for iOS",
            "Remote Access 2.0",
            True,
        ),
    ]
    assert quarantine(warehouse, "sf_login_history") == [
        (5, "missing_value", "LoginTime: is required but empty"),
        (6, "bad_timestamp", "LoginTime: '04/03/2024 09:00' is not an ISO 8601 timestamp"),
        (7, "missing_value", "UserId: is required but empty"),
        (8, "missing_value", "Status: is required but empty"),
        (
            10,
            "conflicting_duplicate",
            "login_id=0YaB was already loaded earlier in this file with different content;"
            " the first one is kept",
        ),
    ]


def test_login_history_snake_case_form_loads(warehouse, tmp_path):
    path = write(tmp_path / "sf_login_history.csv", LOGIN_SNAKE)

    result = load_path(warehouse, "sf_login_history", str(path))

    assert result.summary() == {
        "source": "sf_login_history",
        "read": 2,
        "loaded": 2,
        "quarantined": 0,
        "duplicates": 0,
    }
    assert table_rows(warehouse, "raw_sf_login", LOGIN_COLUMNS) == [
        (
            "0YaK",
            "005C",
            datetime(2024, 3, 5, 7, 0),
            "Success",
            "Browser",
            "SAML Idp Initiated SSO",
            True,
        ),
        (
            "0YaL",
            "005C",
            datetime(2024, 3, 5, 7, 1, 10, 250000),
            "Failed: Computer activation required",
            "Browser",
            "Application",
            False,
        ),
    ]


def test_login_history_loading_twice_changes_nothing(warehouse, tmp_path):
    path = write(tmp_path / "sf_login_history" / "2024-03-04" / "LoginHistory.csv", LOGIN_API)
    load_path(warehouse, "sf_login_history", str(path))
    before = (
        table_rows(warehouse, "raw_sf_login", "*", "login_id"),
        quarantine(warehouse, "sf_login_history"),
    )

    again = load_path(warehouse, "sf_login_history", str(path))

    # Lines 2-4 match the loaded rows and line 9 repeats line 2: 4 duplicates; the 4 bad rows
    # and the in-file conflict on line 10 are quarantined again. 0 + 5 + 4 = 9.
    assert again.summary() == {
        "source": "sf_login_history",
        "read": 9,
        "loaded": 0,
        "quarantined": 5,
        "duplicates": 4,
    }
    after = (
        table_rows(warehouse, "raw_sf_login", "*", "login_id"),
        quarantine(warehouse, "sf_login_history"),
    )
    assert after == before


def test_close_date_one_day_before_utc_creation_is_kept(warehouse, tmp_path):
    # Created 2024-01-16 02:00 UTC = the evening of 2024-01-15 in New York, closed that day:
    # CloseDate (local) is one day before the UTC date and must load. Two days before must not.
    path = write(
        tmp_path / "Opportunity.csv",
        "Id,OwnerId,StageName,Amount,CloseDate,CreatedDate,IsClosed,IsWon,IsDeleted\n"
        "006A,005A,Closed Won,100,2024-01-15,2024-01-16T02:00:00.000Z,true,true,false\n"
        "006B,005A,Closed Won,100,2024-01-14,2024-01-16T02:00:00.000Z,true,true,true\n",
    )
    result = load_path(warehouse, "opportunities", str(path))
    assert result.summary() == {
        "source": "opportunities",
        "read": 2,
        "loaded": 1,
        "quarantined": 1,
        "duplicates": 0,
    }
    assert table_rows(warehouse, "raw_crm_opportunity", "opportunity_id, is_deleted") == [("006A", False)]
    assert quarantine(warehouse, "opportunities") == [
        (3, "close_before_create", "CloseDate: 2024-01-14 is before CreatedDate 2024-01-16")
    ]
