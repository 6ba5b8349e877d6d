"""Hash banks through the REST API and the /banks page (without a browser), on a real store: create, import a
hostile hash list (bad lines reported by number and reason, the rest imported), export, all audited; roles."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_helpers import SessionFor, as_role, cookie_client

from tipwatch.media.formats import formats
from tipwatch.media.signal_types import names
from tipwatch.services import audit, banks
from tipwatch.store.facade import Store
from tipwatch.web.routes.banks import ExportFormat, ImportFormat, SignalType

PDQ = Path(__file__).resolve().parents[1] / "data" / "pdq" / "expected.csv"


def pdq_hashes(n: int) -> list[str]:
    rows = [line.split(",") for line in PDQ.read_text().splitlines()[1:]]
    return list(dict.fromkeys(r[2] for r in rows if len(r) > 2 and len(r[2]) == 64))[:n]


def new_bank(boss: TestClient, name: str = "hotline", **extra: object) -> dict[str, object]:
    got = boss.post("/api/v1/banks", json={"name": name, "source": "test hotline 2026", "licence": "test", **extra})
    assert got.status_code == 201, got.text
    return dict(got.json())


def test_choices_in_the_api_match_the_registries() -> None:
    assert typing.get_args(ImportFormat) == ("auto", *formats())
    assert typing.get_args(ExportFormat) == formats()
    assert set(typing.get_args(SignalType)) == set(names())


def test_create_is_for_supervisors_and_audited(app: FastAPI, store: Store, session_for: SessionFor) -> None:
    body = {"name": "ncmec", "source": "s", "licence": "l", "is_abuse_material": True, "pdq_threshold": 20}
    assert as_role(app, session_for, "analyst").post("/api/v1/banks", json=body).status_code == 403
    boss = as_role(app, session_for, "supervisor")
    made = boss.post("/api/v1/banks", json={**body, "why": "hotline agreement"})
    assert made.status_code == 201, made.text
    bank = made.json()
    assert (bank["is_abuse_material"], bank["pdq_threshold"], bank["entries"]) == (True, 20, 0)
    assert bank["created_by"] == "user:supervisor" and set(bank["signal_types"]) == set(names())
    entry = audit.page(store, limit=1)[0]
    assert (entry.action, entry.target, entry.why) == ("bank.create", "bank:ncmec", "hotline agreement")
    assert entry.details["abuse_material"] is True
    assert boss.post("/api/v1/banks", json=body).status_code == 409
    for bad in ({"pdq_threshold": 65}, {"name": "a/b"}, {"signal_types": ["nope"]}, {"source": ""}):
        assert boss.post("/api/v1/banks", json={**body, "name": "other", **bad}).status_code == 422, bad


def test_import_reports_bad_lines_and_keeps_the_rest(app: FastAPI, store: Store, session_for: SessionFor) -> None:
    boss = as_role(app, session_for, "supervisor")
    new_bank(boss, signal_types=["pdq"])
    good = pdq_hashes(3)
    lines = [
        b"pdq,quality,note",
        good[0].encode() + b",100,first",
        b"not-hex,100,x",  # line 3
        good[1].encode() + b",90,",
        good[0][:60].encode() + b",80,short",  # line 5: 60 digits
        b"\x00\xff\xfe" + good[2][3:].encode() + b",1,binary",  # line 6: bytes that are not UTF-8
        good[2].encode() + b',70,"' + b"z" * 200_000 + b'"',  # line 7: a field over the CSV limit
        good[2].encode() + b",70,again",
        good[0].encode() + b",100,first again",
    ]
    data = b"\n".join(lines) + b"\n"
    got = boss.post(
        "/api/v1/banks/hotline/import",
        files={"file": ("list.csv", data, "text/csv")},
        data={"format": "auto", "why": "monthly update"},
    )
    assert got.status_code == 413  # the app's body limit is 4096 bytes
    data = b"\n".join(lines[:6] + lines[7:]) + b"\n"
    got = boss.post(
        "/api/v1/banks/hotline/import",
        files={"file": ("list.csv", data, "text/csv")},
        data={"format": "auto", "why": "monthly update"},
    )
    assert got.status_code == 200, got.text
    out = got.json()
    assert (out["format"], out["added"], out["duplicates"], out["bad_lines_total"]) == ("csv", 3, 1, 3)
    assert [b["line"] for b in out["bad_lines"]] == [3, 5, 6]
    assert all(b["reason"] for b in out["bad_lines"]) and out["bank"]["entries"] == 3
    entry = audit.page(store, limit=1)[0]
    assert (entry.action, entry.target, entry.why) == ("bank.import", "bank:hotline", "monthly update")
    assert (entry.details["added"], entry.details["bad_lines"], entry.details["file"]) == (3, 3, "list.csv")
    assert len(entry.details["sha256"]) == 64 and entry.details["bytes"] == len(data)
    # A list of a type the bank does not hold: refused entry by entry, nothing added.
    md5 = b"md5 " + b"0" * 31 + b"1\n"
    refused = boss.post("/api/v1/banks/hotline/import", files={"file": ("te.txt", md5)}, data={"format": "te"}).json()
    assert (
        refused["added"] == 0
        and refused["refused_total"] == 1
        and "does not hold md5" in refused["refused"][0]["reason"]
    )


def test_import_refusals(app: FastAPI, session_for: SessionFor) -> None:
    boss = as_role(app, session_for, "supervisor")
    new_bank(boss)
    bare = ("\n".join(pdq_hashes(2)) + "\n").encode()
    ambiguous = boss.post("/api/v1/banks/hotline/import", files={"file": ("l.txt", bare)})
    assert ambiguous.status_code == 400 and "cannot tell the format" in ambiguous.json()["detail"]
    missing = boss.post("/api/v1/banks/nobank/import", files={"file": ("l.txt", b"md5 " + b"0" * 32)})
    assert missing.status_code == 404
    assert boss.post("/api/v1/banks/hotline/import", data={"format": "csv"}).status_code == 422  # no file
    control = boss.post("/api/v1/banks/a%00b/import", files={"file": ("l.txt", bare)})
    assert control.status_code == 422  # no control characters in a bank's name (PostgreSQL refuses NUL)
    wrong = boss.post("/api/v1/banks/hotline/import", files={"file": ("l", b"x")}, data={"format": "pdf"})
    assert wrong.status_code == 422
    analyst = as_role(app, session_for, "analyst")
    assert analyst.post("/api/v1/banks/hotline/import", files={"file": ("l.txt", bare)}).status_code == 403


def test_export_is_a_csv_download_and_audited(app: FastAPI, store: Store, session_for: SessionFor) -> None:
    boss = as_role(app, session_for, "supervisor")
    new_bank(boss, name="known <victims>")
    good = pdq_hashes(2)
    csv = ("pdq,case\n" + "".join(f"{h},12\n" for h in good)).encode()
    assert boss.post("/api/v1/banks/known <victims>/import", files={"file": ("k.csv", csv)}).json()["added"] == 2
    got = boss.get("/api/v1/banks/known <victims>/export")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert got.headers["content-disposition"] == 'attachment; filename="known_victims.csv"'
    rows = got.text.splitlines()
    assert rows[0] == "signal_type,hash,case" and sorted(rows[1:]) == sorted(f"pdq,{h},12" for h in good)
    te = boss.get("/api/v1/banks/known <victims>/export", params={"format": "te"})
    assert sorted(te.text.splitlines()) == sorted(f"pdq {h}" for h in good)
    entry = audit.page(store, limit=1)[0]
    assert (entry.action, entry.target, entry.details["entries"]) == ("bank.export", "bank:known <victims>", 2)
    assert as_role(app, session_for, "analyst").get("/api/v1/banks/known <victims>/export").status_code == 403
    assert boss.get("/api/v1/banks/none/export").status_code == 404


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_page_roles(app: FastAPI, store: Store, session_for: SessionFor, role: str) -> None:
    banks.create_bank(store, "<b>bold</b>", source="<i>src</i>", licence="l", is_abuse_material=True)
    page = cookie_client(app, session_for(role)[0]).get("/banks")
    if role == "viewer":
        assert page.status_code == 403
        return
    assert page.status_code == 200
    assert "&lt;b&gt;bold&lt;/b&gt;" in page.text and "<b>bold</b>" not in page.text  # escaped
    assert "Import" not in page.text and 'action="/banks"' not in page.text  # analysts see, do not change
    assert 'href="/banks"' in page.text  # in the nav


def test_page_import_create_and_switch(app: FastAPI, store: Store, session_for: SessionFor) -> None:
    session_id, csrf = session_for("supervisor")
    boss = cookie_client(app, session_id)
    form = {"name": "ngo list", "source": "NGO", "licence": "CC", "signal_types": ["pdq"], "pdq_threshold": "25"}
    assert boss.post("/banks", data=form, follow_redirects=False).status_code == 403  # no CSRF token
    made = boss.post("/banks", data={**form, "csrf_token": csrf}, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == "/banks"
    bank = banks.require_bank(store, "ngo list")
    assert (bank.pdq_threshold, bank.signal_types, bank.is_abuse_material) == (25, ["pdq"], False)
    again = boss.post("/banks", data={**form, "csrf_token": csrf})
    assert again.status_code == 422 and "exists already" in again.text
    csv = ("pdq,note\n" + ",x\n".join(pdq_hashes(2)) + ",x\nzz,y\n").encode()
    page = boss.post(
        "/banks/ngo list/import", files={"file": ("l.csv", csv)}, data={"csrf_token": csrf, "format": "auto"}
    )
    assert page.status_code == 200, page.text
    assert '<span class="added">2</span> added' in page.text and "<td>4</td>" in page.text
    assert banks.require_bank(store, "ngo list").entries == 2
    off = boss.post("/banks/ngo list/disable", data={"csrf_token": csrf}, follow_redirects=False)
    assert off.status_code == 303 and not banks.require_bank(store, "ngo list").enabled
    actions = [e.action for e in audit.page(store, limit=3)]
    assert actions == ["bank.disable", "bank.import", "bank.create"]


def test_threshold_through_the_api_and_the_page(app: FastAPI, store: Store, session_for: SessionFor) -> None:
    boss = as_role(app, session_for, "supervisor")
    new_bank(boss, "pdq list", pdq_threshold=31)
    analyst = as_role(app, session_for, "analyst")
    assert analyst.post("/api/v1/banks/pdq list/threshold", json={"pdq_threshold": 10}).status_code == 403
    got = boss.post("/api/v1/banks/pdq list/threshold", json={"pdq_threshold": 12, "why": "too many near misses"})
    assert got.status_code == 200 and got.json()["pdq_threshold"] == 12
    assert banks.require_bank(store, "pdq list").pdq_threshold == 12
    entry = audit.page(store, limit=1)[0]
    assert (entry.action, entry.target, entry.why, entry.details) == (
        "bank.threshold",
        "bank:pdq list",
        "too many near misses",
        {"old": 31, "new": 12},
    )
    for bad in (65, -1):
        assert boss.post("/api/v1/banks/pdq list/threshold", json={"pdq_threshold": bad}).status_code == 422
    assert boss.post("/api/v1/banks/none/threshold", json={"pdq_threshold": 5}).status_code == 404
    # The page: a supervisor's form per bank; analysts see the number only.
    assert 'action="/banks/pdq%20list/threshold"' in boss.get("/banks").text
    assert "/threshold" not in analyst.get("/banks").text
    done = boss.post("/banks/pdq list/threshold", data={"pdq_threshold": "20"}, follow_redirects=False)
    assert done.status_code == 303 and banks.require_bank(store, "pdq list").pdq_threshold == 20
    assert audit.page(store, limit=1)[0].details == {"old": 12, "new": 20}
