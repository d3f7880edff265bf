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
    op.create_table('asset_units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('asset_audits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=True),
    sa.Column('space_global_id', sa.String(length=22), nullable=True),
    sa.Column('scheduled', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('expected', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('asset_unit_members',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['asset_units.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('unit_id', 'username')
    )
    op.create_index('ix_asset_unit_members_username', 'asset_unit_members', ['username'], unique=False)
    op.create_table('assets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('asset_class', sa.String(length=30), nullable=False),
    sa.Column('model', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('owner_unit_id', sa.Integer(), nullable=False),
    sa.Column('holder_unit_id', sa.Integer(), nullable=True),
    sa.Column('holder', sa.String(length=100), nullable=True),
    sa.Column('building_id', sa.Integer(), nullable=True),
    sa.Column('space_global_id', sa.String(length=22), nullable=True),
    sa.Column('room', sa.String(length=100), nullable=True),
    sa.Column('value', sa.Double(), nullable=False),
    sa.Column('residual', sa.Double(), nullable=False),
    sa.Column('purchase_date', sa.Date(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('source_global_id', sa.String(length=22), nullable=True),
    sa.Column('last_loan_end', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['holder_unit_id'], ['asset_units.id'], ),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['asset_units.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_assets_model', 'assets', ['model'], unique=False)
    op.create_index('ix_assets_name', 'assets', ['name'], unique=False)
    op.create_index('ix_assets_owner_state', 'assets', ['owner_unit_id', 'state'], unique=False)
    op.create_index('ix_assets_space', 'assets', ['building_id', 'space_global_id'], unique=False)
    op.create_index('ix_assets_state_class', 'assets', ['state', 'asset_class'], unique=False)
    op.create_table('asset_audit_scans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('space_global_id', sa.String(length=22), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['audit_id'], ['asset_audits.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_asset_audit_scans_audit_id'), 'asset_audit_scans', ['audit_id'], unique=False)
    op.create_table('asset_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('from_state', sa.String(length=20), nullable=True),
    sa.Column('to_state', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['asset_id'], ['assets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_asset_history_asset_id'), 'asset_history', ['asset_id'], unique=False)
    op.create_table('asset_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('requester', sa.String(length=100), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('start', sa.Date(), nullable=True),
    sa.Column('end', sa.Date(), nullable=True),
    sa.Column('renewals', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('chain', sa.String(length=200), nullable=False),
    sa.Column('steps', sa.JSON(), nullable=False),
    sa.Column('approvals', sa.JSON(), nullable=False),
    sa.Column('reminded', sa.String(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('handed_over_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['asset_id'], ['assets.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['asset_units.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_asset_requests_asset_state', 'asset_requests', ['asset_id', 'state'], unique=False)
    op.create_index('ix_asset_requests_requester', 'asset_requests', ['requester'], unique=False)
    op.create_index('ix_asset_requests_state_end', 'asset_requests', ['state', 'end'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_asset_requests_state_end', table_name='asset_requests')
    op.drop_index('ix_asset_requests_requester', table_name='asset_requests')
    op.drop_index('ix_asset_requests_asset_state', table_name='asset_requests')
    op.drop_table('asset_requests')
    op.drop_index(op.f('ix_asset_history_asset_id'), table_name='asset_history')
    op.drop_table('asset_history')
    op.drop_index(op.f('ix_asset_audit_scans_audit_id'), table_name='asset_audit_scans')
    op.drop_table('asset_audit_scans')
    op.drop_index('ix_assets_state_class', table_name='assets')
    op.drop_index('ix_assets_space', table_name='assets')
    op.drop_index('ix_assets_owner_state', table_name='assets')
    op.drop_index('ix_assets_name', table_name='assets')
    op.drop_index('ix_assets_model', table_name='assets')
    op.drop_table('assets')
    op.drop_index('ix_asset_unit_members_username', table_name='asset_unit_members')
    op.drop_table('asset_unit_members')
    op.drop_table('asset_audits')
    op.drop_table('asset_units')
