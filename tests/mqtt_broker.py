"""A throw-away Mosquitto broker for the MQTT tests and the ingest benchmark.

:class:`Broker` runs Debian's ``/usr/sbin/mosquitto`` (installed by ``scripts/ensure-deb.sh``
from the test command) with its own config on a free port of 127.0.0.1 only, persistence in a
temporary folder (so queued QoS 1 messages survive a restart), and can restart it on the same
port. Nothing here falls back to a mock: without the binary the tests fail with the hint.
"""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from ports import free_port

__all__ = ["MOSQUITTO", "Broker"]

MOSQUITTO = Path("/usr/sbin/mosquitto")


class Broker:
    """A Mosquitto process on 127.0.0.1; use as a context manager."""

    def __init__(self) -> None:
        if not MOSQUITTO.exists():
            raise RuntimeError(f"{MOSQUITTO} is missing: run "
                               "'bash scripts/ensure-deb.sh /usr/sbin/mosquitto mosquitto'")
        self.folder = Path(tempfile.mkdtemp(prefix="twin-mqtt-"))
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        (self.folder / "mosquitto.conf").write_text(
            # run as whoever started it: as root, mosquitto would otherwise drop to the
            # 'mosquitto' user, which cannot write its persistence file in our folder, and
            # messages it acknowledged would not survive a restart
            f"user {getpass.getuser()}\n"
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\n"
            f"persistence true\npersistence_location {self.folder}/\nautosave_interval 1\n"
            "max_queued_messages 0\nmax_inflight_messages 0\n"
            f"log_dest file {self.folder}/mosquitto.log\n")

    @property
    def url(self) -> str:
        """``mqtt://127.0.0.1:<port>``."""
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> Broker:
        """Start it and wait until it accepts connections."""
        self.process = subprocess.Popen(
            [str(MOSQUITTO), "-c", str(self.folder / "mosquitto.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("mosquitto exited: "
                                   + self.process.stderr.read().decode(errors="replace"))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start listening within 10 s")

    def stop(self) -> None:
        """Stop it gracefully (it saves its persistence file)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self, down_s: float = 0.5) -> None:
        """Stop, stay down ``down_s``, start again on the same port."""
        self.stop()
        time.sleep(down_s)
        self.start()

    def __enter__(self) -> Broker:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
