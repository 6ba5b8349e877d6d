"""Identifier types come from the registry: a new type is one file plus its registration."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

from tipwatch.extract import extract
from tipwatch.extract.registry import identifier_type, identifier_types, linking_types, unregister


def test_builtin_types_in_extraction_order() -> None:
    names = [t.name for t in identifier_types()]
    assert names == ["url", "email", "handle", "wallet", "phone", "price", "age", "place"]
    assert linking_types() == frozenset({"phone", "email", "url", "handle", "wallet"})


def test_unknown_type_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="known: age, email"):
        identifier_type("fax")


@pytest.fixture
def upi() -> Iterator[None]:
    # Loading the plugin file runs its @register: nothing else is changed anywhere.
    spec = importlib.util.spec_from_file_location("plugin_upi", Path(__file__).with_name("plugin_upi.py"))
    assert spec is not None and spec.loader is not None
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    yield
    unregister("upi")


def test_a_type_registered_in_one_file_is_extracted_and_links(upi: None) -> None:
    text = "pay advance on rani.s@okaxis or call 98765 43210"
    found = {(i.type, i.value) for i in extract(text)}
    assert ("upi", "rani.s@okaxis") in found
    assert ("phone", "+919876543210") in found
    # it claimed its span: the address is not also read as an e-mail
    assert not any(t == "email" for t, _ in found)
    assert "upi" in linking_types()
    assert identifier_type("upi").canonical("RANI.S@OKAXIS") == "rani.s@okaxis"


def test_unregistered_type_is_gone(upi: None) -> None:
    unregister("upi")
    assert all(i.type != "upi" for i in extract("pay rani.s@okaxis"))


def test_a_registered_type_links_posts_end_to_end(upi: None, tmp_path: Path) -> None:
    """Two ads that share only a UPI address end in one network, with the UPI named in the reasons; nothing in the
    linking code names the type."""
    from tipwatch.services.analyze import AnalyzeRequest, analyze
    from tipwatch.services.networks import iter_networks
    from tipwatch.store.facade import open_store

    posts = tmp_path / "posts.jsonl"
    lines = [
        '{"id": "a", "platform": "site1", "text": "New girls in town, pay advance on rani.s@okaxis"}',
        '{"id": "b", "platform": "site2", "text": "Hot models tonight, booking amount to rani.s@okaxis only"}',
        '{"id": "c", "platform": "site1", "text": "Room for rent near the station, call 98765 43210"}',
        '{"id": "d", "platform": "site2", "text": "Selling a used bicycle, good condition, 2500 rupees"}',
    ]
    posts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as store:
        result = analyze(
            store, AnalyzeRequest(inputs=[posts], media=False, workers=1), data_dir=tmp_path, link_state_dir=tmp_path
        )
        assert result.counts.stored == 4
        nets = list(iter_networks(store))
    assert [sorted(n.post_ids) for n in nets] == [["site1/a", "site2/b"]]
    assert any("upi" in reason for reason in nets[0].reasons)
