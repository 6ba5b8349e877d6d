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
