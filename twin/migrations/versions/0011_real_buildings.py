"""real buildings: space-use overrides

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
    op.create_table('space_use_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('global_id', sa.String(length=64), nullable=False),
    sa.Column('use', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('building_id', 'global_id')
    )
    with op.batch_alter_table('space_use_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_space_use_overrides_building_id'), ['building_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('space_use_overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_space_use_overrides_building_id'))
    op.drop_table('space_use_overrides')
