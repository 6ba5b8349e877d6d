"""Hand-built posts for the linking tests: small operations with known membership, and benign noise.

Texts are invented; phone numbers are random digits, never real people's data.
"""

from __future__ import annotations

import dataclasses
import random

from tipwatch.link.batch import PostInput
from tipwatch.link.config import LinkConfig, load_config

WORDS = (
    "garden",
    "kitchen",
    "river",
    "morning",
    "market",
    "school",
    "office",
    "bicycle",
    "window",
    "mountain",
    "table",
    "letter",
    "music",
    "doctor",
    "paper",
    "yellow",
    "orange",
    "silver",
    "travel",
    "holiday",
    "weekend",
    "family",
    "friend",
    "teacher",
    "student",
    "library",
    "coffee",
    "sugar",
    "bread",
    "water",
    "summer",
    "winter",
    "autumn",
    "spring",
    "village",
    "city",
    "road",
    "bridge",
    "station",
    "ticket",
    "train",
    "flight",
    "hotel",
    "beach",
    "forest",
    "animal",
    "camera",
    "phone",
    "laptop",
    "screen",
    "button",
    "pencil",
    "basket",
    "blanket",
    "pillow",
    "mirror",
    "candle",
    "lamp",
    "carpet",
    "curtain",
    "ladder",
)
CITIES = ("Delhi", "Mumbai", "Pune", "Kolkata", "Chennai", "Jaipur", "Lucknow", "Surat")


def small_config(**text: object) -> LinkConfig:
    """The packaged thresholds with a smaller shingle space (fast tests) and optional text overrides."""
    cfg = load_config()
    return dataclasses.replace(cfg, text=dataclasses.replace(cfg.text, shingle_bits=20, **text))  # type: ignore[arg-type]


class Corpus:
    """Builds posts with spans computed from the text, and remembers the true operation of each post."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.posts: list[PostInput] = []
        self.truth: dict[str, str | None] = {}

    def phone(self) -> str:
        return "+9199" + "".join(self.rng.choice("0123456789") for _ in range(8))

    def add(
        self,
        pid: str,
        text: str,
        op: str | None,
        *,
        platform: str = "site-a",
        kind: str = "escort_ad",
        ids: tuple[tuple[str, str, str], ...] = (),
        images: tuple[str, ...] = (),
    ) -> None:
        """ids: (type, normalized value, raw form in the text); the span is where the raw form occurs."""
        found = []
        for etype, value, raw in ids:
            start = text.index(raw)
            found.append((etype, value, start, start + len(raw)))
        self.posts.append(PostInput(pid, text, platform, kind, images, found))
        self.truth[pid] = op

    def noise(self, n: int = 25) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(n))

    def template_op(self, op: str, n: int, phones: int = 3) -> None:
        """One template reposted with a new city and price each time, each ad with one of the operator's rotated
        phones at random (never two together: text links only join the phones)."""
        numbers = [self.phone() for _ in range(phones)]
        for i in range(n):
            city, phone, price = self.rng.choice(CITIES), numbers[i % phones], str(self.rng.randint(20, 90) * 100)
            text = (
                f"Sweet new girls just arrived in {city} full service available day and night outcall incall "
                f"hygienic private room air conditioned with parking for guests and complete privacy assured rate "
                f"{price} only for one hour no advance needed call or whatsapp {phone} now and book your time"
            )
            self.add(
                f"{op}-{i:03d}",
                text,
                op,
                ids=(("place", city, city), ("price", price, price), ("phone", phone, phone)),
            )

    def variant_op(self, op: str, n: int, swaps: int = 3, phones: int = 3) -> None:
        """One template edited a little in every ad (``swaps`` words replaced): near-copies with distinct
        signatures, which meet in LSH buckets."""
        numbers = [self.phone() for _ in range(phones)]
        base = self.noise(40).split()
        for i in range(n):
            words = list(base)
            for _ in range(swaps):
                words[self.rng.randrange(len(words))] = self.rng.choice(WORDS)
            phone = numbers[i % phones]
            text = f"{' '.join(words)} call {phone}"
            self.add(f"{op}-{i:03d}", text, op, ids=(("phone", phone, phone),))

    def phone_op(self, op: str, n: int, *, platforms: tuple[str, ...] = ("site-a",)) -> None:
        """One operator phone written in different obfuscations, free text otherwise, across platforms."""
        phone = self.phone()
        digits = phone[3:]
        forms = (
            digits,
            " ".join(digits),
            digits[:5] + "-" + digits[5:],
            digits.replace("0", "O").replace("1", "l"),
        )
        for i in range(n):
            raw = forms[i % len(forms)]
            text = f"{self.noise(20)} contact {raw} {self.noise(5)}"
            self.add(
                f"{op}-{i:03d}",
                text,
                op,
                platform=platforms[i % len(platforms)],
                ids=(("phone", phone, raw),),
            )

    def boilerplate(self, prefix: str, n: int, extra: int = 12) -> None:
        """Posts that each carry the same long generic paragraph, their own words and their own phone."""
        boiler = (
            "this advertisement is posted by a verified member terms and conditions apply read our safety guide "
            "before you meet anyone and report any abuse to the moderators of this site"
        )
        for i in range(n):
            phone = self.phone()
            self.add(f"{prefix}-{i:03d}", f"{boiler} {self.noise(extra)} {phone}", None, ids=(("phone", phone, phone),))

    def benign(self, prefix: str, n: int) -> None:
        for i in range(n):
            self.add(f"{prefix}-{i:04d}", self.noise(30), None, kind="social_post")


def store_posts(engine: object, posts: list[PostInput], *, risk: float = 0.5) -> None:
    """Store hand-built posts through the real writer (one run), with a timestamp per post in list order."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import Engine

    from tipwatch.model import Assessment, Identifier, IndicatorHit, Post, PostResult
    from tipwatch.store.writer import PostWriter, finish_run, start_run

    assert isinstance(engine, Engine)
    t0 = datetime(2026, 3, 1, 8, tzinfo=UTC)
    results = []
    for i, p in enumerate(posts):
        post = Post(
            id=p.id,
            source="test.jsonl",
            position=f"line {i + 1}",
            kind=p.kind,
            body=p.text,
            platform=p.platform,
            posted_at=t0 + timedelta(hours=7 * i),
            images=list(p.images),
            raw="{}",
        )
        idents = [Identifier(t, v, s, e) for t, v, s, e in p.identifiers]
        hits = [IndicatorHit("test.hit", "test", 1.0, 0, 1)] if "Sweet" in p.text else []
        results.append(PostResult(post, idents, hits, Assessment(risk)))
    run = start_run(engine, "test", ["test.jsonl"], None)
    writer = PostWriter(engine, run)
    writer.write(results)
    finish_run(engine, run, writer.counts, "ok")
