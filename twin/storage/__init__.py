"""Storage: SQLAlchemy tables, Alembic migrations, accounts and the building portfolio."""

from twin.storage.database import Database, migrate

__all__ = ["Database", "migrate"]
