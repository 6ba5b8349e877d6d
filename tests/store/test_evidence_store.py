"""The evidence area on both backends: an item with its artifacts and signed custody events, appends that chain,
and a database that refuses to change or remove custody events, artifacts and items."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from tipwatch.evidence import keys
from tipwatch.evidence.custody import check_chain
from tipwatch.services import cases
from tipwatch.store.facade import Store
from tipwatch.store.interface.evidence import Artifact, NewItem, NoSuchItem


def test_items_custody_and_guards(db_url: str, tmp_path: Path) -> None:
    key = keys.load_or_create(tmp_path)
    with Store(db_url) as store:
        case = cases.create_case(store, "c", created_by="ana")
        at = datetime(2026, 11, 30, 4, 0, 0, 123456, tzinfo=UTC)
        new = NewItem(
            case.id, "http://a.example/", "http://a.example/x", None, 200, "1.2.3.4", "t", at, "ana", "p", "0"
        )
        arts = [Artifact(1, "warc", "a" * 64, 10, "application/warc")]
        item, first = store.evidence.add_item(new, arts, details={"artifacts": [{"sha256": "a" * 64}]}, sign=key.sign)
        assert first.seq == 1 and first.action == "captured" and first.actor == "ana" and first.why == "p"
        store.evidence.append_event(item.id, at=at, actor="bob", action="viewed", why="", details={}, sign=key.sign)
        events = store.evidence.events(item.id)
        assert [e.seq for e in events] == [1, 2] and check_chain(events, key.public_key()) is None
        assert store.evidence.get(item.id) == item and store.evidence.artifacts(item.id) == arts
        assert store.evidence.items(case.id) == [item] and store.evidence.items_for_post("nope") == []
        with pytest.raises(NoSuchItem):
            store.evidence.append_event(99, at=at, actor="x", action="viewed", why="", details={}, sign=key.sign)
        with pytest.raises(ValueError, match="custody action"):
            store.evidence.append_event(item.id, at=at, actor="x", action="edited", why="", details={}, sign=key.sign)
        engine = store._engine
        for statement in (
            "UPDATE evidence_custody SET actor = 'eve'",
            "DELETE FROM evidence_custody",
            "UPDATE evidence_artifacts SET sha256 = 'b'",
            "DELETE FROM evidence_artifacts",
            "DELETE FROM evidence_items",
        ):
            with pytest.raises(sa.exc.DBAPIError, match="refused"), engine.begin() as conn:
                conn.execute(sa.text(statement))
        assert len(store.evidence.events(item.id)) == 2
