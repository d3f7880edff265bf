"""assets

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 05:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    assert sa and op  # placeholder: tables of this step are added here


def downgrade() -> None:
    pass
