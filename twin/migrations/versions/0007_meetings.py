"""meetings

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 05:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_tokens',
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('username'),
    sa.UniqueConstraint('token')
    )
    op.create_table('bookings',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('room', sa.String(length=22), nullable=False),
    sa.Column('organiser', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('attendees', sa.Integer(), nullable=False),
    sa.Column('start', sa.Double(), nullable=False),
    sa.Column('end', sa.Double(), nullable=False),
    sa.Column('rrule', sa.String(length=300), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index('ix_bookings_building_organiser', ['building_id', 'organiser'],
                              unique=False)

    op.create_table('meeting_rooms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('global_id', sa.String(length=22), nullable=False),
    sa.Column('bookable', sa.Boolean(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('features', sa.JSON(), nullable=True),
    sa.Column('approver', sa.String(length=100), nullable=True),
    sa.Column('policy', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('building_id', 'global_id')
    )
    op.create_table('booking_occurrences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.String(length=40), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('room', sa.String(length=22), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('start', sa.Double(), nullable=False),
    sa.Column('end', sa.Double(), nullable=False),
    sa.Column('original_start', sa.Double(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('checked_in_at', sa.Double(), nullable=True),
    sa.Column('released_at', sa.Double(), nullable=True),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('booking_id', 'seq')
    )
    with op.batch_alter_table('booking_occurrences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_occurrences_booking_id'), ['booking_id'],
                              unique=False)
        batch_op.create_index('ix_occurrences_room_start', ['building_id', 'room', 'start'],
                              unique=False)

    op.create_table('parking_reservations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.String(length=40), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('plate', sa.String(length=20), nullable=False),
    sa.Column('valid_from', sa.Double(), nullable=False),
    sa.Column('valid_to', sa.Double(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('parking_reservations', schema=None) as batch_op:
        batch_op.create_index('ix_parking_building_plate', ['building_id', 'plate'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_parking_reservations_booking_id'), ['booking_id'],
                              unique=False)

    op.create_table('visitor_passes',
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('booking_id', sa.String(length=40), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('visitor', sa.String(length=100), nullable=False),
    sa.Column('id_masked', sa.String(length=40), nullable=True),
    sa.Column('organisation', sa.String(length=200), nullable=True),
    sa.Column('plate', sa.String(length=20), nullable=True),
    sa.Column('storey', sa.String(length=22), nullable=True),
    sa.Column('valid_from', sa.Double(), nullable=False),
    sa.Column('valid_to', sa.Double(), nullable=False),
    sa.Column('used_at', sa.Double(), nullable=True),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token')
    )
    with op.batch_alter_table('visitor_passes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visitor_passes_booking_id'), ['booking_id'],
                              unique=False)


def downgrade() -> None:
    for table in ('visitor_passes', 'parking_reservations', 'booking_occurrences',
                  'meeting_rooms', 'bookings', 'calendar_tokens'):
        op.drop_table(table)
