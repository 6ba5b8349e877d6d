"""Reader speed and memory: records/s for read() alone and read() + to_post(), per format, one core.

    .venv/bin/python benchmarks/bench_sources.py [--jsonl 20000,200000] [--csv 100000] [--html 2000] [--warc 2000]

Inputs are generated here into benchmarks/out/sources/ (ad-like records of about 400 bytes, pages of ~14 KB, some
HTML in text fields, Hindi/Bengali text, dates in mixed formats). Each measurement runs in its own process so that
its peak memory (RSS, measured by measure.run) shows whether memory stays flat as the input grows.
Target (issue 2): JSONL >= 50,000 records/s on one core.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import random
import sys
import time
from pathlib import Path

from measure import machine, run

OUT = Path(__file__).parent / "out" / "sources"

_TEXTS = [
    "New in town!! Sweet young girl available 24/7 for incall and outcall. Call 98 765 43210 now, only {n}k.",
    "Urgent hiring for Dubai hotel jobs, salary 80,000 INR, visa and air ticket free. WhatsApp +91 9876543210.",
    "<p>Hot <b>college</b> girls</p><script>track()</script> available tonight, contact @sweetgirls{n} on telegram",
    "नई लड़कियाँ आई हैं, कॉल करें 98765-43210, होटल सेवा उपलब्ध {n}",
    "নতুন মেয়ে এসেছে, যোগাযোগ করুন ০১৭১২৩৪৫৬৭৮ ঢাকা {n}",
    "Well settled family seeks bride for son, 29, engineer in Pune. Contact {n}@example.test",
]
_DATES = ["2024-05-{d:02d}T10:30:00Z", "{d:02d}/05/2024 10:30", "May {d}, 2024", "17155{d:02d}000"]
_CATEGORIES = ["Escorts", "Jobs", "Matrimonial", "Dating", "social"]


def _record(i: int, rng: random.Random) -> dict[str, object]:
    d = rng.randint(1, 28)
    return {
        "id": f"ad-{i}" if i % 3 else None,
        "title": f"Ad number {i} {rng.choice(['Pune', 'Dhaka', 'Mumbai'])}",
        "text": rng.choice(_TEXTS).format(n=i % 97) + " " + "more words " * rng.randint(0, 20),
        "posted_at": rng.choice(_DATES).format(d=d),
        "city": rng.choice(["Pune", "Kolkata", "Dhaka", "Kathmandu"]),
        "url": f"https://ads.example.test/{i}",
        "category": rng.choice(_CATEGORIES),
        "images": [f"https://img.example.test/{i}/{k}.jpg" for k in range(rng.randint(0, 3))],
    }


def make_jsonl(n: int) -> Path:
    path = OUT / f"posts-{n}.jsonl"
    if not path.exists():
        rng = random.Random(n)
        with path.open("w", encoding="utf-8") as fh:
            for i in range(n):
                fh.write(json.dumps(_record(i, rng), ensure_ascii=False) + "\n")
    return path


def make_csv(n: int) -> Path:
    path = OUT / f"posts-{n}.csv.gz"
    if not path.exists():
        rng = random.Random(n)
        with gzip.open(path, "wt", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["ad_id", "headline", "ad_text", "when", "city"])
            for i in range(n):
                r = _record(i, rng)
                writer.writerow([r["id"] or "", r["title"], r["text"], r["posted_at"], r["city"]])
    return path


def _page(i: int, rng: random.Random) -> str:
    r = _record(i, rng)
    paragraphs = "".join(f"<div class='row'><p>{r['text']}</p><span>{k}</span></div>" for k in range(40))
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{r['title']}</title>"
        f"<meta property='og:url' content='{r['url']}'><style>.x{{}}</style><script>var a={i};</script></head>"
        f"<body><nav><a href='/'>Home</a></nav>{paragraphs}<img src='img/{i}.jpg'></body></html>"
    )


def make_html(n: int) -> Path:
    folder = OUT / f"pages-{n}"
    if not folder.exists():
        folder.mkdir(parents=True)
        rng = random.Random(n)
        for i in range(n):
            (folder / f"ad{i:06d}.html").write_text(_page(i, rng), encoding="utf-8")
    return folder


def make_warc(n: int) -> Path:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = OUT / f"crawl-{n}.warc.gz"
    if not path.exists():
        rng = random.Random(n)
        with path.open("wb") as fh:
            writer = WARCWriter(fh, gzip=True)
            for i in range(n):
                headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], "HTTP/1.1")
                payload = io.BytesIO(_page(i, rng).encode())
                rec = writer.create_warc_record(f"https://ads.example.test/{i}", "response", payload=payload,
                                                http_headers=headers)  # fmt: skip
                writer.write_record(rec)
    return path


def worker(path: str, convert: bool, columns: str | None) -> None:
    """Read one input (and convert) in this process; print records, seconds."""
    from tipwatch.sources import read, to_post

    mapping = json.loads(columns) if columns else None
    start, cpu_start = time.perf_counter(), time.process_time()
    count = 0
    for raw in read([path], columns=mapping):
        if convert:
            to_post(raw)
        count += 1
    # CPU time too: on a shared machine wall time measures the neighbours as much as the code.
    print(
        json.dumps({"records": count, "seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu_start})
    )


def measure(label: str, path: Path, convert: bool, columns: dict[str, str] | None = None) -> None:
    out = OUT / "result.json"
    cmd = [sys.executable, __file__, "--worker", str(path)]
    if convert:
        cmd.append("--convert")
    if columns:
        cmd += ["--columns", json.dumps(columns)]
    measured = run(cmd, stdout=out)
    result = json.loads(out.read_text())
    rate = result["records"] / result["seconds"]
    cpu_rate = result["records"] / max(result["cpu"], 1e-9)
    step = "read + to_post" if convert else "read"
    print(
        f"| {label} | {step} | {result['records']:,} | {result['seconds']:.2f} | {rate:,.0f} | {cpu_rate:,.0f} | "
        f"{measured.peak_rss_mb:.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jsonl", default="20000,200000")
    parser.add_argument("--csv", default="100000")
    parser.add_argument("--html", default="2000")
    parser.add_argument("--warc", default="2000")
    parser.add_argument("--worker")
    parser.add_argument("--convert", action="store_true")
    parser.add_argument("--columns")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.convert, args.columns)
        return
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}\n")
    print("| input | step | records | wall s | records/s (wall) | records/s (CPU) | peak RSS MB |")
    print("|---|---|---:|---:|---:|---:|---:|")
    csv_columns = {"body": "ad_text", "title": "headline", "posted_at": "when"}
    for n in (int(x) for x in args.jsonl.split(",") if x):
        path = make_jsonl(n)
        measure(f"JSONL {n:,}", path, convert=False)
        measure(f"JSONL {n:,}", path, convert=True)
    for n in (int(x) for x in args.csv.split(",") if x):
        path = make_csv(n)
        measure(f"CSV.gz {n:,}", path, convert=False, columns=csv_columns)
        measure(f"CSV.gz {n:,}", path, convert=True, columns=csv_columns)
    for n in (int(x) for x in args.html.split(",") if x):
        path = make_html(n)
        measure(f"HTML pages {n:,} (~14 KB)", path, convert=True)
    for n in (int(x) for x in args.warc.split(",") if x):
        path = make_warc(n)
        measure(f"WARC.gz {n:,} pages", path, convert=True)


if __name__ == "__main__":
    main()
