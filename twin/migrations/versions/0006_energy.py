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
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('category', sa.String(length=4), nullable=True))

    op.create_table('energy_virtual_meters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('terms', sa.String(length=2000), nullable=False),
    sa.Column('parent', sa.String(length=100), nullable=True),
    sa.Column('category', sa.String(length=4), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('building_id', 'key')
    )


def downgrade() -> None:
    op.drop_table('energy_virtual_meters')
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_column('category')
        batch_op.drop_column('parent')
