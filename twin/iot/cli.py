"""``twin simulate`` and ``twin devices``: drive devices from their profiles, register devices."""

# No ``from __future__ import annotations`` here: typer reads every command's annotations at
# each start, and evaluates string annotations twice (twin/cli/app.py).
import datetime as dt
import json
import threading
import time
from pathlib import Path
from typing import Annotated

import typer

from twin.core.console import Commands, cli_settings, open_database, reports_errors, stderr, stdout
from twin.core.errors import InvalidInputError

__all__ = ["commands"]

commands = Commands()

devices_app = commands.group("devices", "The device registry of a building.")


def _parse_inject(spec: str, start: float):
    from twin.iot.simulator import fault_from_request

    parts = spec.split(":")
    if len(parts) not in (2, 3):
        raise InvalidInputError(f"--inject {spec!r}: write KIND:TARGET[:MINUTES], e.g. "
                                "ahu_failure:AHU-02:60 or stuck:TS-00037-temperature")
    try:
        minutes = float(parts[2]) if len(parts) == 3 else None
    except ValueError:
        raise InvalidInputError(f"--inject {spec!r}: minutes must be a number") from None
    return fault_from_request(parts[0], parts[1], start=start, minutes=minutes)


def _sim_devices(devices_csv: Path | None, building: int | None, interval: float):
    from twin.iot.simulator import SimulatedDevice

    if devices_csv is None:
        from twin.iot.runtime import simulated_devices

        with open_database() as database:
            devices, buildings = simulated_devices(database, interval, building)
        if not devices:
            raise InvalidInputError("no registered device has a profile: import the sample's "
                                    "devices.csv first (twin devices import) or pass --devices")
        return devices, buildings
    from twin.iot.registry import devices_from_csv

    rows = devices_from_csv(devices_csv)  # its serial-key column is device_id (or key)
    devices = [SimulatedDevice.of(r.get("device_id") or r["key"], r["kind"], r["profile"],
                                  r.get("equipment_name"), float(r.get("min") or 0),
                                  float(r.get("max") or 0), interval)
               for r in rows if r.get("profile")]
    return devices, {d.key: building or 1 for d in devices}


@commands.command()
@reports_errors
def simulate(
    url: Annotated[str | None, typer.Option(help="Send over HTTP to this server's /ingest.")
                   ] = None,
    token: Annotated[str | None, typer.Option(envvar="TWIN_DEVICE_TOKEN",
                                              help="Gateway or admin token for --url.")] = None,
    mqtt: Annotated[str | None, typer.Option(help="Publish to this broker (mqtt://host:port)."
                                             )] = None,
    devices: Annotated[Path | None, typer.Option(
        help="A devices.csv with profiles (default: the registry of the configured database)."
    )] = None,
    building: Annotated[int | None, typer.Option(help="Only this building's devices.")] = None,
    speed: Annotated[float, typer.Option(help="Simulated seconds per second.")] = 1.0,
    backfill_hours: Annotated[float, typer.Option(help="Start this many hours ago.")] = 0.0,
    duration: Annotated[float | None, typer.Option(help="Stop after this many wall seconds.")
                        ] = None,
    interval: Annotated[float, typer.Option(help="Seconds between readings of a device.")
                        ] = 60.0,
    faults: Annotated[Path | None, typer.Option(help="A faults.json to apply (times UTC).")
                      ] = None,
    inject: Annotated[list[str] | None, typer.Option(
        help="KIND:TARGET[:MINUTES] from now, e.g. ahu_failure:AHU-02:60.")] = None,
) -> None:
    """Drive the sample's devices from their profiles, in real time or faster, with faults.

    Without --url or --mqtt the readings go straight into the configured database (the same
    checks as the API). Readings are never in the future: a backfill runs fast until it
    reaches now, then goes on in real time. Ctrl-C stops.
    """
    from bim_models.sample.profiles import Fault
    from twin.iot.runtime import load_fault_templates
    from twin.iot.simulator import Simulator

    settings = cli_settings()
    sim_devices, buildings = _sim_devices(devices, building, interval)
    closers = []
    if url:
        from twin.iot.transports import HttpSender

        if not token:
            raise InvalidInputError("--url needs --token (or TWIN_DEVICE_TOKEN): a gateway "
                                    "token from POST /device-tokens")
        sender = HttpSender(url, token)
        send, closers = sender.send, [sender.close]
    elif mqtt or settings.mqtt_url:
        from twin.iot.transports import MqttPublisher

        publisher = MqttPublisher(mqtt or settings.mqtt_url, buildings,
                                  prefix=settings.mqtt_prefix)
        send, closers = publisher.send, [publisher.close]
    else:
        from twin.core.database import Database, migrate
        from twin.iot.ingest import Ingestor

        migrate(settings.resolved_database_url)
        database = Database(settings.resolved_database_url)
        ingestor = Ingestor(database, future_tolerance_s=settings.future_tolerance_s)

        def send(items):
            return ingestor.ingest(items, source="simulator")
        closers = [database.dispose]
    now = time.time()
    fault_list = [] if faults is None else [
        Fault.from_dict(f) for f in json.loads(faults.read_text(encoding="utf-8"))]
    templates = load_fault_templates(faults) if faults else load_fault_templates(
        settings.data_dir / "sample" / "faults.json")
    simulator = Simulator(sim_devices, send, start=now - backfill_hours * 3600,
                          speed=speed, faults=fault_list, templates=templates)
    for spec in inject or ():
        fault = simulator.inject(_parse_inject(spec, now))
        stderr.print(f"injected {fault.kind} on {fault.target}", highlight=False)
    stop = threading.Event()
    thread = threading.Thread(target=simulator.run, args=(stop,), daemon=True)
    thread.start()
    started = time.monotonic()
    try:
        with stderr.status("simulating") as status:
            while thread.is_alive() and (duration is None or
                                         time.monotonic() - started < duration):
                when = dt.datetime.fromtimestamp(simulator.simulated, dt.UTC)
                status.update(f"{len(sim_devices)} devices, {simulator.sent:,} readings sent, "
                              f"simulated time {when:%Y-%m-%d %H:%M:%S} UTC")
                time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        thread.join(timeout=30)
        for close in closers:
            close()
    stdout.print(f"sent {simulator.sent:,} readings of {len(sim_devices)} devices",
                 highlight=False)


@devices_app.command("import")
@reports_errors
def devices_import(
    building: Annotated[int, typer.Argument(help="Building id.")],
    csv_file: Annotated[Path | None, typer.Option("--csv", help="A devices.csv.")] = None,
    from_model: Annotated[bool, typer.Option("--from-model", help="The model's IfcSensor and "
                                             "IfcFlowMeter elements.")] = False,
    replace: Annotated[bool, typer.Option(help="Update devices that exist.")] = False,
) -> None:
    """Register devices of a building stored on the server."""
    from twin.iot import service

    if (csv_file is None) == (not from_model):
        raise InvalidInputError("give exactly one of --csv FILE and --from-model")
    with open_database() as database, database.session() as session:
        devices = service.import_devices(session, building, None,
                                         source="model" if from_model else "csv",
                                         data=csv_file, actor="cli", replace=replace)
    stdout.print(f"registered {len(devices)} devices in building {building}", highlight=False)


@devices_app.command("list")
@reports_errors
def devices_list(building: Annotated[int, typer.Argument(help="Building id.")],
                 kind: Annotated[str | None, typer.Option(help="Only this kind.")] = None
                 ) -> None:
    """List the devices of a building."""
    from twin.iot import service

    with open_database() as database, database.session() as session:
        for device in service.list_devices(session, building, None, kind=kind):
            stdout.print(f"{device.key:28} {device.kind:16} {device.unit:8} "
                         f"{device.space or '-':24} {device.name or ''}", highlight=False)
