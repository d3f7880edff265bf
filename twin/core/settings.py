"""Settings of the running system (pydantic-settings): ``TWIN_*`` environment variables and an
optional ``.env`` file. Cached; tests build their own :class:`Settings` and pass it in.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """Everything the server needs to know about its environment.

    Attributes
    ----------
    data_dir : Path
        Where the database (SQLite default), stored IFC revisions and the sample live.
    database_url : str, optional
        SQLAlchemy URL; default ``sqlite:///<data_dir>/twin.db``. PostgreSQL:
        ``postgresql+psycopg://user:pass@host/db``.
    cache_dir : Path, optional
        Parsed-model cache; default ``<data_dir>/cache``.
    upload_limit_mb : int
        Largest IFC upload accepted, MiB.
    parse_timeout_s, parse_memory_mb : int
        Limits of the subprocess that parses an uploaded file.
    import_timeout_s : float
        Time limit (s) of the subprocess that reads an uploaded allocations file (CSV/XLSX).
    import_memory_mb : int
        Its memory limit (MiB, address space).
    mqtt_url : str, optional
        ``mqtt://host:port`` of a broker: the server subscribes to ``<mqtt_prefix>/+/+`` and
        the simulator publishes there. Without it, everything stays in the process.
    simulate : bool
        Run the reading simulator inside the server (``twin demo`` turns it on).
    simulate_speed, simulate_backfill_hours, simulate_interval_s : float
        Simulated seconds per wall second while catching up; how far back it starts; seconds
        between readings of a device.
    offline_check_s : float
        How often devices are checked for silence (offline after their kind's interval).
    offline_after_s : dict
        Per device kind, seconds of silence after which a device is offline, over the
        description table's (``TWIN_OFFLINE_AFTER_S='{"co2": 600}'``).
    retention_days : float
        Raw readings older than this are deleted (rollups stay).
    future_tolerance_s : float
        How far ahead of the server's clock a reading's timestamp may be.
    ingest_max_mb : int
        Largest ingest request body, MiB.
    ids_blocking : str
        Comma-separated model-quality requirements (:mod:`bim_models.standards.ids`) whose
        failure refuses an upload; ``none`` for none. Default: the GlobalId checks.
    dead_letter_retention_days, audit_retention_days : float
        Dead letters and audit entries older than this many days are purged (hourly, by the
        leader); 0 keeps them forever.
    workers : int
        Server processes (``twin serve --workers``); more than one needs PostgreSQL: the push
        stream then crosses workers through ``LISTEN/NOTIFY`` and one elected worker (a
        PostgreSQL advisory lock) runs the fault rules, the simulator and the purges.
    mqtt_share_group : str, optional
        Subscribe through the MQTT 5 shared subscription ``$share/<group>/<prefix>/+/+`` so
        that the workers split the messages (set to ``twin`` with several workers).
    """

    model_config = SettingsConfigDict(env_prefix="TWIN_", env_file=".env", extra="ignore")

    data_dir: Path = Path("twin-data")
    database_url: str | None = None
    cache_dir: Path | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    mqtt_url: str | None = None
    upload_limit_mb: int = Field(default=200, ge=1)
    parse_timeout_s: int = Field(default=300, ge=1)
    parse_memory_mb: int = Field(default=4096, ge=256)
    import_timeout_s: float = Field(default=120.0, gt=0)
    import_memory_mb: int = Field(default=2048, ge=64)
    token_hours: int = Field(default=12, ge=1)
    mqtt_prefix: str = Field(default="twin", pattern=r"^[A-Za-z0-9_-]+$")
    simulate: bool = False
    simulate_speed: float = Field(default=1.0, gt=0)
    simulate_backfill_hours: float = Field(default=0.0, ge=0)
    simulate_interval_s: float = Field(default=60.0, gt=0)
    offline_check_s: float = Field(default=30.0, gt=0)
    offline_after_s: dict[str, float] = Field(default_factory=dict)
    retention_days: float = Field(default=90.0, gt=0)
    future_tolerance_s: float = Field(default=300.0, ge=0)
    ingest_max_mb: int = Field(default=16, ge=1)
    ids_blocking: str = "globalid-present,globalid-unique"
    dead_letter_retention_days: float = Field(default=30.0, ge=0)
    audit_retention_days: float = Field(default=730.0, ge=0)
    #: 数字节能: days of hourly meter history the demo backfills; the quota tables' climate zone
    energy_backfill_days: int = Field(default=365, ge=0, le=1100)
    energy_climate_zone: str = "cold"
    workers: int = Field(default=1, ge=1, le=64)
    mqtt_share_group: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]+$")
    #: Origins allowed to call the API from a browser (CORS); empty: none (closed).
    cors_origins: list[str] = Field(default_factory=list)

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to the SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'twin.db').resolve()}"

    @property
    def resolved_cache_dir(self) -> Path:
        """The model cache folder."""
        return self.cache_dir or self.data_dir / "cache"

    @property
    def models_dir(self) -> Path:
        """Where uploaded IFC revisions are kept, by content hash."""
        return self.data_dir / "models"


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read once from the environment."""
    return Settings()
