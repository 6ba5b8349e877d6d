"""RFC 3161 timestamps on bundles, against OpenSSL's own timestamp authority on 127.0.0.1 (tsa_server.py): the token
covers the manifest, verifies with the TSA's root, and a changed token, a token for other bytes, a missing token
(when one is asked for) or an unreachable authority all fail with the reason."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bundle_helpers import signed_bundle
from tsa_server import OPENSSL, Tsa, serve_tsa

from tipwatch.evidence import bundle
from tipwatch.evidence.bundle import TIMESTAMP
from tipwatch.services.evidence import EvidenceError, stamper

pytestmark = pytest.mark.skipif(OPENSSL is None, reason="no openssl for the local timestamp authority")


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tsa]:
    with serve_tsa(tmp_path_factory.mktemp("tsa")) as t:
        yield t


def _replace(src: Path, dst: Path, name: str, data: bytes | None) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            if info.filename == name:
                if data is not None:
                    zout.writestr(info, data)
            else:
                zout.writestr(info, zin.read(info.filename))
    return dst


def test_a_timestamped_bundle_verifies_with_the_tsa_root(tsa: Tsa, tmp_path: Path) -> None:
    before = datetime.now(UTC)
    out = signed_bundle(tmp_path / "b.wacz", timestamp=stamper(tsa.url, allow_private=True))
    assert len(tsa.requests) >= 1
    verdict = bundle.verify(out, tsa_roots_pem=tsa.roots.read_bytes())
    assert verdict.ok, verdict.failure
    when = datetime.fromisoformat(verdict.timestamp)
    assert before - timedelta(seconds=2) <= when <= datetime.now(UTC) + timedelta(seconds=2)
    assert any("its signature verifies with the given TSA roots" in line for line in verdict.checked)
    # Without the roots: the token's imprint is checked, and the report says the signature was not.
    plain = bundle.verify(out)
    assert plain.ok and any("TSA signature not checked" in line for line in plain.checked)


def test_a_changed_or_foreign_or_missing_token_fails(tsa: Tsa, tmp_path: Path) -> None:
    roots = tsa.roots.read_bytes()
    out = signed_bundle(tmp_path / "b.wacz", timestamp=stamper(tsa.url, allow_private=True))
    with zipfile.ZipFile(out) as zf:
        token = zf.read(TIMESTAMP)
    changed = bytearray(token)
    changed[-5] ^= 1  # inside the signature
    bad = bundle.verify(_replace(out, tmp_path / "c.wacz", TIMESTAMP, bytes(changed)), tsa_roots_pem=roots)
    assert not bad.ok and bad.failure.startswith(f"{TIMESTAMP}: ")

    other = signed_bundle(
        tmp_path / "o.wacz", timestamp=stamper(tsa.url, allow_private=True)
    )  # a real token, for other bytes
    with zipfile.ZipFile(other) as zf:
        foreign = zf.read(TIMESTAMP)
    moved = bundle.verify(_replace(out, tmp_path / "f.wacz", TIMESTAMP, foreign), tsa_roots_pem=roots)
    assert moved.failure == f"{TIMESTAMP}: the timestamp does not cover this manifest (its message imprint differs)"

    gone = bundle.verify(_replace(out, tmp_path / "g.wacz", TIMESTAMP, None), tsa_roots_pem=roots)
    assert gone.failure == f"{TIMESTAMP}: missing from the bundle (a trusted timestamp was asked for)"


def test_a_token_from_another_root_fails(tsa: Tsa, tmp_path: Path) -> None:
    out = signed_bundle(tmp_path / "b.wacz", timestamp=stamper(tsa.url, allow_private=True))
    with serve_tsa(tmp_path / "other") as elsewhere:
        verdict = bundle.verify(out, tsa_roots_pem=elsewhere.roots.read_bytes())
    assert not verdict.ok and "does not verify with the given roots" in verdict.failure


def test_an_unreachable_or_private_authority_stops_the_export(tsa: Tsa, tmp_path: Path) -> None:
    with pytest.raises(EvidenceError) as refused:
        signed_bundle(
            tmp_path / "p.wacz", timestamp=stamper(tsa.url)
        )  # loopback without allow_private: refused by safehttp
    assert refused.value.reason == "timestamp_error" and str(refused.value).startswith(f"timestamp authority {tsa.url}")
    assert "loopback" in str(refused.value)
    with pytest.raises(EvidenceError) as down:
        signed_bundle(tmp_path / "n.wacz", timestamp=stamper("http://127.0.0.1:9/none", allow_private=True, timeout=3))
    assert down.value.reason == "timestamp_error" and "http://127.0.0.1:9/none" in str(down.value)
    assert not (tmp_path / "p.wacz").exists() and not (tmp_path / "n.wacz").exists()
