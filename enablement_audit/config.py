"""Settings, resolved once: defaults, then an optional YAML file, then environment variables.

Environment variables are prefixed ``ENABLEMENT_AUDIT_`` (for example
``ENABLEMENT_AUDIT_WAREHOUSE_URL``). ``ENABLEMENT_AUDIT_CONFIG`` names the YAML file.
Nothing else in the package reads the environment.
"""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

ENV_PREFIX = "ENABLEMENT_AUDIT_"
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Where the crash tests may stop a run (see :func:`kill_point`).
KILL_POINT = re.compile(
    r"^(load:[a-z_]+|after_load|after_raw_checks|build:[a-z0-9_]+|after_build|after_mart_checks"
    r"|report_page:[1-9][0-9]*)$"
)
DEFAULT_SELLER_TITLES = (
    "Account Executive",
    "Account Manager",
    "Sales Representative",
    "Sales Development Representative",
)


def default_home() -> Path:
    return Path.home() / ".enablement-audit"


LOAD_WORKERS = 2
"""Sources loaded at once by default (``ENABLEMENT_AUDIT_LOAD_WORKERS``)."""


class Settings(BaseSettings):
    """Everything the pipeline needs to know that is not in the data."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid")

    home: Path = Field(default_factory=default_home)
    warehouse_url: str = ""
    schema_name: str = "enablement"
    landing: str | None = None
    report_dir: Path | None = None
    timezone: str = "UTC"
    late_arrival_days: int = Field(default=3, ge=0, le=60)
    ramp_grace_days: int = Field(default=30, ge=0)
    seller_titles: tuple[str, ...] = DEFAULT_SELLER_TITLES
    quota_period: Literal["month", "quarter"] = "quarter"
    identity_match_threshold: float = Field(default=0.9, ge=0, le=1)
    goals_file: Path | None = None
    quality_file: Path | None = None
    impact_min_n: int = Field(default=30, ge=2)
    http_timeout_seconds: float = Field(default=30.0, gt=0)
    http_max_retries: int = Field(default=5, ge=0)
    load_workers: int = Field(default=LOAD_WORKERS, ge=1, le=16)
    # Test hook, never set in production: ENABLEMENT_AUDIT_TEST_KILL_AT=<point> makes the process
    # SIGKILL itself at that point (see kill_point), so tests can crash a run deterministically.
    test_kill_at: str | None = None

    @field_validator("schema_name")
    @classmethod
    def _schema_is_identifier(cls, value: str) -> str:
        if not IDENTIFIER.match(value):
            raise ValueError(
                f"schema name {value!r} is not allowed: use lower-case letters, digits and "
                "underscores, starting with a letter or underscore"
            )
        return value

    @field_validator("test_kill_at")
    @classmethod
    def _kill_point_is_known(cls, value: str | None) -> str | None:
        if value and not KILL_POINT.match(value):
            raise ValueError(
                f"test_kill_at {value!r} is not a kill point: use load:<source>, after_load, "
                "after_raw_checks, build:<model>, after_build, after_mart_checks or report_page:<n>"
            )
        return value or None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        yaml_file = os.environ.get(f"{ENV_PREFIX}CONFIG")
        if yaml_file:
            if not Path(yaml_file).is_file():
                raise FileNotFoundError(f"{ENV_PREFIX}CONFIG names {yaml_file}, which does not exist")
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=yaml_file))
        return tuple(sources)

    @property
    def resolved_warehouse_url(self) -> str:
        """The SQLAlchemy URL; an embedded DuckDB file under ``home`` when none is set."""
        if self.warehouse_url:
            return self.warehouse_url
        return f"duckdb:///{self.home / 'warehouse.duckdb'}"

    @property
    def resolved_report_dir(self) -> Path:
        return self.report_dir or self.home / "reports"


def kill_point(settings: Settings, point: str) -> None:
    """Test hook: SIGKILL this process at ``point`` when ``settings.test_kill_at`` names it.

    The crash tests set ``ENABLEMENT_AUDIT_TEST_KILL_AT`` on a CLI subprocess to stop it where
    a real crash could (out of memory, a node lost) and check that the rerun repairs everything.
    The points: ``load:<source>`` (that source's first file is staged, its load transaction still
    open), ``after_load``, ``after_raw_checks``, ``build:<model>`` (that model is materialised,
    the build transaction still open), ``after_build``, ``after_mart_checks`` and
    ``report_page:<n>`` (the n-th page of a report is in its temporary file, not yet renamed).
    """
    if settings.test_kill_at is not None and settings.test_kill_at == point:
        os.kill(os.getpid(), signal.SIGKILL)


def load_settings(**overrides: object) -> Settings:
    """Resolve settings once; keyword overrides win over the file and the environment."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
