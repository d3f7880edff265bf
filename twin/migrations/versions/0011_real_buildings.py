"""real buildings

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 05:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    assert sa and op  # placeholder: tables of this step are added here


def downgrade() -> None:
    pass
