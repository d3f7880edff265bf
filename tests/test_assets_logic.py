"""公物仓 domain logic on plain data: transitions, book values, approval chains, reservations,
circulation, insight, audits and import rows."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from assets.approvals import Signer, chain_for, check_signer, default_rules, parse_rules
from assets.audits import discrepancies
from assets.choices import ASSET_STATES, ASSET_TRANSITIONS
from assets.circulation import reminder_level, renewed_due
from assets.errors import (
    ApprovalChainError,
    AssetsError,
    InvalidTransitionError,
    ReservationClashError,
    SelfApprovalError,
)
from assets.importing import drafts_from_elements, parse_rows
from assets.insight import Loan, idle_by_unit, lead_time_summary, utilisation
from assets.register import book_value, check_transition, parse_asset_code
from assets.reservations import Booking, check_item_free, check_quantity_free, free_quantity

D = date


def test_transition_table_covers_every_state_and_refuses_skips():
    states = {c.value for c in ASSET_STATES}
    assert set(ASSET_TRANSITIONS) == states
    assert all(set(t) <= states for t in ASSET_TRANSITIONS.values())
    check_transition("GWC-000001", "returned", "repair")
    with pytest.raises(InvalidTransitionError) as caught:
        check_transition("GWC-000001", "intake", "on_loan")
    assert "allowed from 'intake': available, repair, disposed" in str(caught.value)
    with pytest.raises(InvalidTransitionError, match="final state"):
        check_transition("GWC-000001", "disposed", "available")


def test_book_value_is_straight_line_down_to_the_residual():
    assert book_value(12000, D(2020, 1, 15), D(2021, 1, 15), life_years=6, residual=0) == 10000
    assert book_value(12000, D(2020, 1, 15), D(2021, 1, 14), life_years=6, residual=0) == 10166.67
    assert book_value(12000, D(2000, 1, 1), D(2026, 1, 1), life_years=6, residual=600) == 600
    assert book_value(999, None, D(2026, 1, 1), life_years=6) == 999
    assert parse_asset_code("GWC-000042") == 42 and parse_asset_code("hello") is None


def test_approval_chains_by_kind_class_and_value():
    rules = default_rules()
    loan = chain_for(rules, kind="loan", asset_class="it", value=8000, unit="U01")
    assert loan.steps == ("unit_approver", "pool_admin")
    assert chain_for(rules, kind="loan", asset_class="vehicle", value=1,
                     unit="U01").steps[-1] == "admin"
    assert chain_for(rules, kind="disposal", asset_class="it", value=60000,
                     unit="U01").steps == ("unit_approver", "pool_admin", "admin")
    assert chain_for(rules, kind="disposal", asset_class="it", value=600,
                     unit="U01").steps == ("pool_admin", "admin")
    with pytest.raises(ApprovalChainError, match="unknown: boss"):
        parse_rules('[[rule]]\nname = "x"\nsteps = ["boss"]\n')
    with pytest.raises(ApprovalChainError, match="no approval rule"):
        chain_for(parse_rules('[[rule]]\nkind = ["loan"]\nsteps = ["pool_admin"]\n'),
                  kind="disposal", asset_class="it", value=1, unit="U")


def test_signers_must_hold_the_step_and_not_be_the_requester():
    head = Signer("li", "staff", frozenset({"U01"}))
    check_signer("unit_approver", head, requester="wang", unit="U01")
    with pytest.raises(SelfApprovalError, match="their own request"):
        check_signer("unit_approver", head, requester="li", unit="U01")
    with pytest.raises(ApprovalChainError, match="of unit U02"):
        check_signer("unit_approver", head, requester="wang", unit="U02")
    with pytest.raises(ApprovalChainError, match="pool_admin"):
        check_signer("pool_admin", head, requester="wang", unit="U01")
    check_signer("pool_admin", Signer("pool", "pool_admin"), requester="wang", unit="U01")


def test_item_reservations_refuse_overlaps_and_name_the_clash():
    booked = [Booking(D(2026, 3, 1), D(2026, 3, 5), "R-7", "U03")]
    check_item_free(booked, D(2026, 3, 6), D(2026, 3, 8))
    with pytest.raises(ReservationClashError) as caught:
        check_item_free(booked, D(2026, 3, 5), D(2026, 3, 9), what="GWC-000001")
    assert "GWC-000001 is reserved from 2026-03-01 to 2026-03-05 by R-7 (unit U03)" in str(
        caught.value)
    assert caught.value.clash["reference"] == "R-7"
    with pytest.raises(AssetsError, match="ends"):
        check_item_free([], D(2026, 3, 5), D(2026, 3, 1))


def test_quantity_reservations_count_concurrent_use():
    booked = [Booking(D(2026, 3, 1), D(2026, 3, 10), "R-1", quantity=3),
              Booking(D(2026, 3, 5), D(2026, 3, 6), "R-2", quantity=4),
              Booking(D(2026, 3, 8), D(2026, 3, 12), "R-3", quantity=4)]
    assert free_quantity(booked, 10, D(2026, 3, 1), D(2026, 3, 12)) == 3
    assert free_quantity(booked, 10, D(2026, 3, 11), D(2026, 3, 12)) == 6
    check_quantity_free(booked, 10, D(2026, 3, 5), D(2026, 3, 9), 3)
    with pytest.raises(ReservationClashError, match="3 of 10 free on 2026-03-05"):
        check_quantity_free(booked, 10, D(2026, 3, 5), D(2026, 3, 9), 4)


def test_circulation_reminders_renewals_and_escalation():
    due = D(2026, 3, 10)
    assert reminder_level("it", due, D(2026, 3, 1)) is None
    assert reminder_level("it", due, D(2026, 3, 9)) == "due_soon"
    assert reminder_level("it", due, D(2026, 3, 11)) == "overdue"
    assert reminder_level("av", due, D(2026, 3, 14)) == "escalated"
    assert renewed_due("av", due, 0, D(2026, 3, 9)) == D(2026, 3, 17)
    with pytest.raises(AssetsError, match="renewed 1 times"):
        renewed_due("av", due, 1, D(2026, 3, 9))
    with pytest.raises(AssetsError, match="overdue loan cannot be renewed"):
        renewed_due("it", due, 0, D(2026, 3, 11))


def test_insight_idle_utilisation_and_lead_times():
    today = D(2026, 6, 30)
    idle = idle_by_unit([(1, "U1", None), (2, "U1", D(2026, 6, 1)), (3, "U2", D(2025, 1, 1))],
                        today, 90)
    assert idle == {"U1": [1], "U2": [3]}
    loans = [Loan(1, D(2026, 6, 1), D(2026, 6, 15)), Loan(2, D(2026, 6, 20))]
    assert utilisation(loans, D(2026, 6, 1), D(2026, 6, 30), 2) == round((15 + 11) / 60, 4)
    t0 = datetime(2026, 6, 1, 9)
    summary = lead_time_summary([(t0, t0 + timedelta(hours=h)) for h in (2, 20, 30, 130)])
    assert summary["count"] == 4 and summary["within_one_day"] == 0.5
    assert summary["histogram"] == {"0": 2, "1": 1, "2": 0, "3": 0, "4": 0, "5+": 1}


def test_audit_discrepancies_name_missing_misplaced_and_unexpected():
    found = discrepancies({1: "A", 2: "A", 3: "B"}, {1: "A", 3: "C", 9: "A"})
    assert [(d.kind, d.asset_id) for d in found] == [
        ("missing", 2), ("misplaced", 3), ("unexpected", 9)]


def test_import_rows_keep_the_good_ones_and_name_the_bad():
    rooms = {"101": "GID101", "GID102": "GID102"}
    drafts, problems = parse_rows([
        {"name": "Desk", "asset_class": "furniture", "owner_unit": "U1", "room": "101",
         "value": "800"},
        {"name": "Laptop", "asset_class": "it", "owner_unit": "U1", "room": "999"},
        {"name": "Chair", "asset_class": "sofa", "owner_unit": "U1"},
        {"name": "Lot", "asset_class": "furniture", "owner_unit": "U2", "room": "GID102",
         "kind": "lot", "quantity": "20", "purchase_date": "2024-05-01"},
    ], rooms.get)
    assert [d.name for d in drafts] == ["Desk", "Lot"]
    assert drafts[1].quantity == 20 and drafts[1].purchase_date == D(2024, 5, 1)
    assert [(p.row, p.message) for p in problems][0] == (3, "unknown room '999'")
    assert problems[1].row == 4 and "asset_class" in problems[1].message
    model = drafts_from_elements([
        {"global_id": "F1", "ifc_class": "IfcFurnishingElement", "name": "Desk", "space": "S"},
        {"global_id": "P1", "ifc_class": "IfcPump", "name": "Pump", "space": "S"}], "POOL")
    assert [(d.source_global_id, d.asset_class) for d in model] == [("F1", "furniture")]
