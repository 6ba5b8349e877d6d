"""Watches (values an analyst follows) and the alerts they raise, one per (watch, post)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Watch:
    id: int
    kind: str
    value: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Hit:
    """A post that matched a watch, and why: an alert to raise."""

    watch_id: int
    post_id: str
    reason: str


class WatchStore(ABC):
    @abstractmethod
    def add(self, kind: str, value: str, *, note: str = "", by: str = "") -> Watch:
        """Store an active watch of ``value`` (already normalized)."""

    @abstractmethod
    def version(self) -> tuple[int, ...]:
        """A cheap fingerprint of the active watches: it changes when one is added or stopped (caches compare it)."""

    @abstractmethod
    def active(self) -> list[Watch]:
        """The watches that raise alerts."""

    @abstractmethod
    def all(self) -> list[dict[str, Any]]:
        """Every watch with all its fields (id, kind, value, note, created_by, created_at, active), by id."""

    @abstractmethod
    def deactivate(self, watch_id: int) -> bool:
        """Stop a watch (its alerts stay, with their history); False when there is no such watch."""

    @abstractmethod
    def raise_alerts(self, hits: Sequence[Hit]) -> int:
        """Store new alerts (a (watch, post) pair already alerted is not raised again); returns how many were new."""

    @abstractmethod
    def alerts(
        self, *, unseen_only: bool = True, mark_seen: bool = False, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """Alerts, newest first (at most ``limit``), each with its watch and the post's title, platform, risk and
        URL; ``mark_seen`` marks the listed ones as seen."""
