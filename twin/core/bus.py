"""The in-process event bus: state changes (and later alarms and work orders) fan out to the
fault rules, the WebSocket push stream and anything else that subscribes.

Publishing is synchronous and cheap when nobody listens. Subscribers are either plain
callables (called in the publishing thread: keep them quick) or asyncio queues fed
thread-safely through their event loop; a queue that is full drops its oldest event and
counts the loss, so one slow browser never stalls the ingest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["EventBus", "QueueSubscription"]

_log = logging.getLogger(__name__)


@dataclass(eq=False)
class QueueSubscription:
    """An asyncio queue receiving the events that pass ``accept``."""

    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue
    accept: Callable[[Any], bool]
    dropped: int = field(default=0)

    def _put(self, event: Any) -> None:
        if self.queue.full():
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()
                self.dropped += 1
        self.queue.put_nowait(event)


class EventBus:
    """Publish/subscribe inside one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[Any], None]] = []
        self._queues: list[QueueSubscription] = []

    @property
    def has_subscribers(self) -> bool:
        """Whether anything listens (publishers may skip building events otherwise)."""
        return bool(self._callbacks or self._queues)

    def subscribe(self, callback: Callable[[Any], None]) -> Callable[[], None]:
        """Call ``callback(event)`` for every event; returns the unsubscribe function."""
        with self._lock:
            self._callbacks = [*self._callbacks, callback]

        def unsubscribe() -> None:
            with self._lock:
                self._callbacks = [c for c in self._callbacks if c is not callback]
        return unsubscribe

    def subscribe_queue(self, accept: Callable[[Any], bool] = lambda _e: True, *,
                        maxsize: int = 10_000) -> QueueSubscription:
        """An asyncio queue of the events ``accept`` lets through, on the running loop."""
        subscription = QueueSubscription(asyncio.get_running_loop(),
                                         asyncio.Queue(maxsize=maxsize), accept)
        with self._lock:
            self._queues = [*self._queues, subscription]
        return subscription

    def unsubscribe_queue(self, subscription: QueueSubscription) -> None:
        """Stop feeding ``subscription``."""
        with self._lock:
            self._queues = [q for q in self._queues if q is not subscription]

    def publish(self, event: Any) -> None:
        """Hand ``event`` to every subscriber (a failing callback does not stop the others)."""
        for callback in self._callbacks:
            try:
                callback(event)
            except Exception:  # noqa: BLE001 - a broken subscriber must not stop the ingest
                _log.exception("event subscriber failed")
        for subscription in self._queues:
            if subscription.accept(event):
                with contextlib.suppress(RuntimeError):  # loop closed: subscriber gone
                    subscription.loop.call_soon_threadsafe(subscription._put, event)
