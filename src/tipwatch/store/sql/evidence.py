"""EvidenceStore on SQLAlchemy: evidence_items, evidence_artifacts, evidence_custody (rows are only ever inserted).

An event is appended after a write to its item's row (``UPDATE evidence_items SET id = id``): that finds a missing
item and is the lock (a row lock on PostgreSQL, the write lock on SQLite, taken before anything is read), so two
appends to one item never chain onto the same event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, Row, insert, select, update

from tipwatch.evidence.custody import GENESIS, CustodyEvent, Signer, canonical_json, make_event, utc
from tipwatch.store.evidence_tables import evidence_artifacts, evidence_custody, evidence_items
from tipwatch.store.interface.evidence import Artifact, EvidenceItem, EvidenceStore, NewItem, NoSuchItem
from tipwatch.store.tables import posts


def _item(row: Row[Any]) -> EvidenceItem:
    m = row._mapping
    return EvidenceItem(
        case_id=int(m["case_id"]),
        url=m["url"],
        final_url=m["final_url"],
        post_id=m["post_id"],
        http_status=int(m["http_status"]),
        ip=m["ip"],
        title=m["title"],
        captured_at=utc(m["captured_at"]),
        captured_by=m["captured_by"],
        purpose=m["purpose"],
        tool_version=m["tool_version"],
        id=int(m["id"]),
    )


def _event(row: Row[Any]) -> CustodyEvent:
    m = row._mapping
    return CustodyEvent(
        int(m["item_id"]),
        int(m["seq"]),
        utc(m["at"]),
        m["actor"],
        m["action"],
        m["why"],
        orjson.loads(m["details"]),
        m["prev_hash"],
        m["hash"],
        m["signature"],
    )


def _append(
    conn: Connection,
    item_id: int,
    at: datetime,
    actor: str,
    action: str,
    why: str,
    details: Mapping[str, Any],
    sign: Signer,
) -> CustodyEvent:
    if not conn.execute(update(evidence_items).where(evidence_items.c.id == item_id).values(id=item_id)).rowcount:
        raise NoSuchItem(f"no evidence item {item_id}")
    last = conn.execute(
        select(evidence_custody.c.seq, evidence_custody.c.hash)
        .where(evidence_custody.c.item_id == item_id)
        .order_by(evidence_custody.c.seq.desc())
        .limit(1)
    ).first()
    seq, prev = (1, GENESIS) if last is None else (int(last[0]) + 1, str(last[1]))
    # What is hashed is what is stored and read back: canonical JSON, so the chain survives the round trip.
    stored: dict[str, Any] = orjson.loads(canonical_json(dict(details)))
    event = make_event(sign, prev, item_id, seq, utc(at), actor, action, why, stored)
    conn.execute(
        insert(evidence_custody).values(
            item_id=item_id,
            seq=seq,
            at=event.at,
            actor=actor,
            action=action,
            why=why,
            details=canonical_json(stored).decode(),
            prev_hash=prev,
            hash=event.hash,
            signature=event.signature,
        )
    )
    return event


class SqlEvidence(EvidenceStore):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add_item(
        self, item: NewItem, artifacts: Sequence[Artifact], *, details: Mapping[str, Any], sign: Signer
    ) -> tuple[EvidenceItem, CustodyEvent]:
        values = {k: getattr(item, k) for k in NewItem.__dataclass_fields__}
        with self._engine.begin() as conn:
            row = conn.execute(insert(evidence_items).values(**values).returning(*evidence_items.c)).one()
            stored = _item(row)
            if artifacts:
                conn.execute(
                    insert(evidence_artifacts),
                    [
                        {
                            "item_id": stored.id,
                            "position": a.position,
                            "kind": a.kind,
                            "sha256": a.sha256,
                            "size": a.size,
                            "media_type": a.media_type,
                            "source_url": a.source_url,
                        }
                        for a in artifacts
                    ],
                )
            event = _append(
                conn, stored.id, item.captured_at, item.captured_by, "captured", item.purpose, details, sign
            )
        return stored, event

    def get(self, item_id: int) -> EvidenceItem | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(evidence_items).where(evidence_items.c.id == item_id)).first()
        return None if row is None else _item(row)

    def items(self, case_id: int) -> list[EvidenceItem]:
        q = select(evidence_items).where(evidence_items.c.case_id == case_id).order_by(evidence_items.c.id)
        with self._engine.connect() as conn:
            return [_item(r) for r in conn.execute(q)]

    def artifacts(self, item_id: int) -> list[Artifact]:
        q = (
            select(evidence_artifacts)
            .where(evidence_artifacts.c.item_id == item_id)
            .order_by(evidence_artifacts.c.position)
        )
        with self._engine.connect() as conn:
            return [
                Artifact(int(r.position), r.kind, r.sha256, int(r.size), r.media_type, r.source_url)
                for r in conn.execute(q)
            ]

    def append_event(
        self,
        item_id: int,
        *,
        at: datetime,
        actor: str,
        action: str,
        why: str,
        details: Mapping[str, Any],
        sign: Signer,
    ) -> CustodyEvent:
        with self._engine.begin() as conn:
            return _append(conn, item_id, at, actor, action, why, details, sign)

    def events(self, item_id: int) -> list[CustodyEvent]:
        q = select(evidence_custody).where(evidence_custody.c.item_id == item_id).order_by(evidence_custody.c.seq)
        with self._engine.connect() as conn:
            return [_event(r) for r in conn.execute(q)]

    def items_for_post(self, post_id: str) -> list[EvidenceItem]:
        q = select(evidence_items).where(evidence_items.c.post_id == post_id).order_by(evidence_items.c.id)
        with self._engine.connect() as conn:
            return [_item(r) for r in conn.execute(q)]

    def posts_with_url(self, url: str) -> list[str]:
        # posts.url has no index: a scan, acceptable for a capture (one look-up per URL captured).
        with self._engine.connect() as conn:
            return [str(r[0]) for r in conn.execute(select(posts.c.id).where(posts.c.url == url).order_by(posts.c.id))]
