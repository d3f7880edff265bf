"""Storage: SQLAlchemy tables, Alembic migrations, accounts and the building portfolio."""

from twin.storage import iot_tables, maintenance_tables  # noqa: F401 - all in Base.metadata
from twin.storage.database import Database, migrate

__all__ = ["Database", "migrate"]
