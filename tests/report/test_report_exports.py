"""posts.csv and posts.jsonl: one row per post in the store, streamed, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from report_helpers import BACKENDS, Hit, Ident, P, Store
from sqlalchemy import func, select

from tipwatch.report.exports import CSV_COLUMNS
from tipwatch.services.report import write_report
from tipwatch.store.sql import reports as sql_reports
from tipwatch.store.tables import posts


def _read(out_dir: Path) -> tuple[list[dict[str, str]], list[dict[str, object]]]:
    with (out_dir / "posts.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    lines = (out_dir / "posts.jsonl").read_text(encoding="utf-8").splitlines()
    return rows, [json.loads(line) for line in lines]


@pytest.mark.parametrize("store", BACKENDS, indirect=True)
def test_every_post_once_with_scores_reasons_and_identifiers(
    store: Store, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small batches: a post's identifier rows straddle fetch boundaries of the server-side cursor.
    monkeypatch.setattr(sql_reports, "BATCH", 97)
    many = [
        P(
            f"p{i:04d}",
            body=f"ad {i} call 98765{i:05d} in Pune",
            risk=(i % 100) / 100,
            reasons=[{"code": f"r{k}", "contribution": 0.1 * (7 - k), "detail": "d"} for k in range(7)],
            idents=[
                Ident("phone", f"+9198765{i:05d}", f"98765{i:05d}"),
                Ident("place", "Pune", "Pune"),
                Ident("place", "Pune", "Pune", start=0, end=2),
            ],
            hits=[Hit("h", "c", "call")],
        )
        for i in range(1200)
    ] + [P("bare", body="no identifiers", risk=0.5)]
    store.add(many)
    write_report(store.facade, out_dir, top=10)
    rows, records = _read(out_dir)
    with store.engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(posts)).scalar_one()
    assert len(rows) == len(records) == n == 1201
    assert len({r["id"] for r in rows}) == n
    assert tuple(rows[0]) == CSV_COLUMNS
    risks = [float(r["risk"]) for r in rows]
    assert risks == sorted(risks, reverse=True)
    rec = next(r for r in records if r["id"] == "p0042")
    assert rec["identifiers"] == ["place:Pune", "phone:+919876500042"]  # unique, in text order
    assert rec["top_reasons"] == [{"code": f"r{k}", "contribution": 0.1 * (7 - k), "detail": "d"} for k in range(5)]
    assert rec["risk"] == 0.42 and rec["kind"] == "escort_ad" and rec["posted_at"].startswith("2025-03-03T10:00")
    row = next(r for r in rows if r["id"] == "p0042")
    assert row["identifiers"] == "place:Pune | phone:+919876500042"
    assert row["top_reasons"].startswith("r0 (+0.700) | r1 (+0.600)")
    assert row["classifier_risk"] == ""
    bare = next(r for r in records if r["id"] == "bare")
    assert bare["identifiers"] == [] and bare["top_reasons"] == []


def test_export_is_a_stream(store: Store) -> None:
    store.add([P(f"s{i}", body="x", risk=0.1) for i in range(3)])
    rows = store.facade.reports.iter_export_rows()
    assert next(rows)["id"] in {"s0", "s1", "s2"}
    assert len(list(rows)) == 2


@pytest.mark.parametrize("store", BACKENDS, indirect=True)
def test_csv_neutralizes_formulas_and_jsonl_keeps_values(store: Store, out_dir: Path) -> None:
    store.add(
        [
            P(
                '=HYPERLINK("http://x")',
                body="a",
                risk=0.9,
                location="+cmd|'/c calc'!A1",
                platform="@SUM(1)",
                url="-2+3",
                idents=[Ident("phone", "+911234567890", "a")],
            ),
            P("plain", body="b", location="Kolkata - Howrah", risk=0.1),
        ]
    )
    write_report(store.facade, out_dir)
    rows, records = _read(out_dir)
    row = rows[0]
    assert row["id"] == '\'=HYPERLINK("http://x")'
    assert row["location"] == "'+cmd|'/c calc'!A1" and row["platform"] == "'@SUM(1)" and row["url"] == "'-2+3"
    assert row["identifiers"] == "phone:+911234567890"
    assert records[0]["id"] == '=HYPERLINK("http://x")' and records[0]["location"] == "+cmd|'/c calc'!A1"
    assert rows[1]["location"] == "Kolkata - Howrah"  # only a leading formula character is neutralized
