"""Settings: defaults, then the YAML file named by ENABLEMENT_AUDIT_CONFIG, then the environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from enablement_audit.config import load_settings


def test_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("ENABLEMENT_AUDIT_HOME", str(tmp_path))
    settings = load_settings()
    assert settings.schema_name == "enablement"
    assert settings.resolved_warehouse_url == f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    assert (settings.timezone, settings.late_arrival_days, settings.ramp_grace_days) == ("UTC", 3, 30)
    assert settings.seller_titles[0] == "Account Executive"


def test_yaml_file_then_environment_win_over_defaults(monkeypatch, tmp_path: Path):
    config = tmp_path / "audit.yaml"
    config.write_text(
        "warehouse_url: postgresql+psycopg://audit@db.internal/analytics\n"
        "late_arrival_days: 5\n"
        "seller_titles: [Account Executive, Field Seller]\n"
        "timezone: Europe/Paris\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("ENABLEMENT_AUDIT_CONFIG", str(config))
    monkeypatch.setenv("ENABLEMENT_AUDIT_LATE_ARRIVAL_DAYS", "7")

    settings = load_settings()

    assert settings.resolved_warehouse_url == "postgresql+psycopg://audit@db.internal/analytics"
    assert settings.late_arrival_days == 7  # the environment wins over the file
    assert settings.seller_titles == ("Account Executive", "Field Seller")
    assert settings.timezone == "Europe/Paris"
    # keyword overrides (the CLI's --warehouse) win over both
    assert load_settings(warehouse_url="duckdb:///x.duckdb").resolved_warehouse_url == "duckdb:///x.duckdb"


@pytest.mark.parametrize("name", ["Enablement", "audit; drop table x", "a-b", "1abc", "x" * 64])
def test_a_schema_name_outside_the_allow_list_is_refused(monkeypatch, name):
    monkeypatch.setenv("ENABLEMENT_AUDIT_SCHEMA_NAME", name)
    with pytest.raises(ValidationError, match="is not allowed"):
        load_settings()


def test_a_missing_config_file_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("ENABLEMENT_AUDIT_CONFIG", str(tmp_path / "nope.yaml"))
    with pytest.raises(FileNotFoundError, match=r"nope\.yaml, which does not exist"):
        load_settings()
