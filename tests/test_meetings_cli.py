"""``twin meetings`` on a copy of the demo's data (typer's runner, in process: the
subprocess path of every command is covered by tests/test_cli.py): the rooms, a series booked
and listed, a clash and too many attendees refused in one line with exit code 2, the no-show
release run by hand, the retention of visitor records."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner


@pytest.fixture
def twin(demo_copy, monkeypatch):
    from twin.cli.app import app

    settings, state = demo_copy
    monkeypatch.setenv("TWIN_DATA_DIR", str(settings.data_dir))
    for name in ("TWIN_DATABASE_URL", "TWIN_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()

    def run(*args: str):
        result = runner.invoke(app, ["meetings", *args])
        result.returncode = result.exit_code
        return result
    return run, state.building_id


def test_rooms_book_list_and_refusals(twin):
    run, building = twin
    rooms = run("rooms", str(building), "--json")
    assert rooms.returncode == 0, rooms.stderr
    numbers = {r["number"]: r for r in json.loads(rooms.stdout)}
    assert len(numbers) == 18 and numbers["GF-015"]["capacity"] == 7
    day = (datetime.now(UTC) + timedelta(days=40)).date().isoformat()
    booked = run("book", str(building), "--room", "GF-015", "--start", f"{day}T10:00",
                 "--end", f"{day}T11:00", "--title", "周例会", "--attendees", "5",
                 "--rrule", "FREQ=WEEKLY;COUNT=3", "--as", "staff", "--json")
    assert booked.returncode == 0, booked.stderr
    made = json.loads(booked.stdout)
    assert made["state"] == "confirmed" and len(made["occurrences"]) == 3
    assert made["occurrences"][0] == f"{day} 10:00"
    listed = json.loads(run("list", str(building), "--room", "GF-015", "--start", day,
                            "--end", f"{day}T23:00", "--json").stdout)
    assert [r["id"] for r in listed] == [f"{made['id']}/0"]
    clash = run("book", str(building), "--room", "GF-015", "--start", f"{day}T10:30",
                "--end", f"{day}T11:30", "--title", "x", "--attendees", "2")
    assert clash.returncode == 2 and "Traceback" not in clash.stderr
    assert f"room GF-015 is already booked by {made['id']}/0" in clash.stderr
    crowd = run("book", str(building), "--room", "GF-015", "--start", f"{day}T14:00",
                "--end", f"{day}T15:00", "--title", "x", "--attendees", "30")
    assert crowd.returncode == 2
    assert "30 attendees exceed the capacity of room GF-015 (7 seats)" in crowd.stderr
    released = run("release", "--json")
    assert released.returncode == 0, released.stderr
    assert isinstance(json.loads(released.stdout), list)
    purged = run("purge-visitors", "--days", "0")  # the demo's visitor requests are ahead
    assert purged.returncode == 0 and "purged the visitors of 0 booking(s)" in purged.stdout
    assert run("purge-visitors", "--days", "-1").returncode == 2
