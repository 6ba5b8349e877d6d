"""Two partners' stores built from different synthetic inputs (hand-written posts, tipwatch.synth pictures) that share
some phones, e-mails and pictures, analyzed by the real pipeline (services.analyze)."""

from __future__ import annotations

import json
from pathlib import Path

from tipwatch.services.analyze import AnalyzeRequest, analyze
from tipwatch.store.facade import Store
from tipwatch.synth.images import image_bytes

# Phones and e-mails both partners hold (written differently in each), and one each holds alone.
SHARED_PHONES = ("+919876543210", "+919988776655")
SHARED_EMAILS = ("shared.one@example.org",)
ONLY_A = {"phone": "+919123456780", "email": "priya.a@example.com"}
ONLY_B = {"phone": "+919000011111", "email": "onlyb@example.net"}

POSTS_A = [
    ("a1", "New girls in town", "call +91 98765 43210 or mail shared.one@example.org", ["shared1.jpg"]),
    ("a2", "Work in Dubai", "whatsapp 91234 56780, write to priya.a@example.com", ["only_a.jpg"]),
    ("a3", "Hotel jobs", "salary good, contact +91 99887 76655 now", ["shared2.jpg", "near.jpg"]),
]
POSTS_B = [
    ("b1", "Fresh college girls", "new number 98765-43210 call now", ["shared1.jpg"]),
    ("b2", "Massage", "mail SHARED.ONE@example.org for rates", []),
    ("b3", "Maid jobs abroad", "call 099887 76655, visa free", ["shared2.jpg"]),
    ("b4", "Room for rent", "call +91 90000 11111 or onlyb@example.net", ["only_b.jpg", "near.jpg"]),
    ("b5", "Girls available", "call now 9876543210, new girls daily", ["shared1.jpg"]),  # links with b1 in B
]
# Picture seeds: shared1/shared2 are the same files in both; near.jpg is the same drawing re-encoded in B (another
# SHA-256, a PDQ hash a few bits away).
PICTURES_A = {"shared1.jpg": (11, "original"), "shared2.jpg": (12, "original"), "only_a.jpg": (13, "original")}
PICTURES_A["near.jpg"] = (14, "original")
PICTURES_B = {"shared1.jpg": (11, "original"), "shared2.jpg": (12, "original"), "only_b.jpg": (15, "original")}
PICTURES_B["near.jpg"] = (14, "reencode")


def build(
    store: Store,
    folder: Path,
    posts: list[tuple[str, str, str, list[str]]],
    pictures: dict[str, tuple[int, str]],
    platform: str,
) -> None:
    """Analyze ``posts`` (with their pictures) into ``store`` and link them."""
    images = folder / "images"
    images.mkdir(parents=True)
    for name, (seed, transform) in pictures.items():
        (images / name).write_bytes(image_bytes(seed, transform, 3))
    corpus = folder / "posts.jsonl"
    corpus.write_text(
        "".join(
            json.dumps({"id": pid, "platform": platform, "title": t, "body": b, "images": imgs}) + "\n"
            for pid, t, b, imgs in posts
        ),
        encoding="utf-8",
    )
    req = AnalyzeRequest([corpus], images=images, workers=1, quarantine_path=folder / "q.jsonl")
    done = analyze(store, req, data_dir=folder, link_state_dir=folder / "state")
    assert done.counts.reconciles and done.counts.stored == len(posts)
