"""Alembic migrations of the whole schema: core's tables and every domain's."""

from __future__ import annotations

from sqlalchemy import MetaData

__all__ = ["all_tables"]


def all_tables() -> MetaData:
    """The metadata of every table, core's and each domain's (what migrations compare against).

    Returns
    -------
    sqlalchemy.MetaData
        ``twin.core.tables.Base.metadata`` once each domain's tables module is imported.
    """
    from twin.assets import tables as assets_tables
    from twin.core.tables import Base
    from twin.energy import tables as energy_tables
    from twin.housing import tables as housing_tables
    from twin.iot import tables as iot_tables
    from twin.maintenance import tables as maintenance_tables
    from twin.meetings import tables as meetings_tables
    from twin.portfolio import tables as portfolio_tables
    from twin.security import tables as security_tables

    assert housing_tables and iot_tables and maintenance_tables  # imported for their tables
    assert energy_tables and meetings_tables and assets_tables and security_tables
    assert portfolio_tables
    return Base.metadata
