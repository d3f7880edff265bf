"""Alembic environment: the metadata of every domain's tables, batch mode on SQLite."""

from alembic import context
from sqlalchemy import create_engine

from twin.migrations import all_tables

config = context.config
target_metadata = all_tables()


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    connectable = config.attributes.get("connection") or create_engine(url)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
