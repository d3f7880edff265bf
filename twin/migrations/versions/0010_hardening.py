"""hardening: ids never reused on SQLite (AUTOINCREMENT), sign-in throttling

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 05:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

#: Tables whose integer ids other rows or clients refer to: on SQLite a deleted row's id
#: must never come back (a new device showing a deleted one's readings, a new building
#: listing a deleted one's alarms), so they are rebuilt with AUTOINCREMENT.
_NEVER_REUSED = ('buildings', 'devices', 'users')


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':  # PostgreSQL sequences never go back
        for table in _NEVER_REUSED:
            with op.batch_alter_table(table, recreate='always',
                                      table_kwargs={'sqlite_autoincrement': True}):
                pass
    # device tokens issued for a name that is no registered device were gateways: say so
    # (one naming no building reports for nothing any more)
    op.execute("UPDATE api_tokens SET kind = 'gateway' WHERE kind = 'device' "
               "AND building_id IS NOT NULL AND device NOT IN (SELECT key FROM devices)")
    op.create_table('login_throttle',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.Double(), nullable=False),
    sa.Column('locked_until', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )


def downgrade() -> None:
    op.drop_table('login_throttle')
