"""energy

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 05:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    assert sa and op  # placeholder: tables of this step are added here


def downgrade() -> None:
    pass
