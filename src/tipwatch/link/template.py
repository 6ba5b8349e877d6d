"""The shared template of a network's texts, with its variable slots (what InfoShield shows an analyst).

Member texts are tokenized with their identifiers replaced by named slots (``{phone}``, ``{place}``, ...). The
medoid text (most words in common with the others) is the reference; every other text is aligned to it with
difflib. A reference token kept by at least ``min_support`` of the texts is constant; runs of other tokens, and the
places where texts insert words, become numbered slots with the values seen there.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from tipwatch.link.textsig import Span


@dataclass(slots=True)
class Segment:
    """Constant text, or a slot with the values members put there (most frequent first)."""

    text: str = ""
    slot: str | None = None
    values: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Template:
    segments: list[Segment]
    support: int  # texts aligned

    @property
    def text(self) -> str:
        return " ".join(s.text if s.slot is None else "{" + s.slot + "}" for s in self.segments)

    @property
    def constant_share(self) -> float:
        """Share of the reference's words that are constant across the network."""
        const = sum(len(s.text.split()) for s in self.segments if s.slot is None)
        var = sum(1 for s in self.segments if s.slot is not None)
        return const / (const + var) if const + var else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "support": self.support,
            "constant_share": round(self.constant_share, 3),
            "segments": [
                {"text": s.text} if s.slot is None else {"slot": s.slot, "values": s.values} for s in self.segments
            ],
        }


Word = tuple[str, str]  # (comparison key, text as written)


def _words(text: str, spans: Sequence[Span]) -> list[Word]:
    out: list[Word] = []
    pos = 0
    for start, end, kind in sorted(spans):
        if start < pos or end <= start:
            continue
        out.extend((w.casefold(), w) for w in text[pos:start].split())
        out.append(("{" + kind + "}", text[start:end]))
        pos = end
    out.extend((w.casefold(), w) for w in text[pos:].split())
    return out


def _medoid(docs: list[list[Word]]) -> int:
    keys = [{k for k, _ in d} for d in docs]
    return max(range(len(docs)), key=lambda i: (sum(len(keys[i] & k) / (len(keys[i] | k) or 1) for k in keys), -i))


def build_template(
    texts: Sequence[tuple[str, Sequence[Span]]], *, min_support: float = 0.6, max_values: int = 5
) -> Template:
    """Template of ``texts`` (each with its identifier spans as (start, end, type))."""
    docs = [d for d in (_words(t, spans) for t, spans in texts) if d]
    if not docs:
        return Template([], 0)
    best = _medoid(docs)
    ref = docs[best]
    ref_keys = [k for k, _ in ref]
    kept = [1] * len(ref)
    # What other texts wrote at each reference position (aligned or replaced), and inserted before it.
    at: list[Counter[str]] = [Counter({raw: 1}) for _, raw in ref]
    inserted: dict[int, Counter[str]] = {}
    for j, doc in enumerate(docs):
        if j == best:
            continue
        sm = difflib.SequenceMatcher(None, ref_keys, [k for k, _ in doc], autojunk=False)
        for op, i1, i2, j1, j2 in sm.get_opcodes():
            if op == "equal":
                for off in range(i2 - i1):
                    kept[i1 + off] += 1
                    at[i1 + off][doc[j1 + off][1]] += 1
            elif op == "replace":
                at[i1][" ".join(raw for _, raw in doc[j1:j2])] += 1
            elif op == "insert":
                inserted.setdefault(i1, Counter())[" ".join(raw for _, raw in doc[j1:j2])] += 1
    need = min_support * len(docs)

    def constant(i: int) -> bool:
        return kept[i] >= need and not ref_keys[i].startswith("{")

    segments: list[Segment] = []
    pending: list[str] = []
    slots = 0

    def slot(name: str | None, values: Counter[str]) -> None:
        nonlocal slots, pending
        if pending:
            segments.append(Segment(text=" ".join(pending)))
            pending = []
        slots += 1
        segments.append(Segment(slot=name or f"slot{slots}", values=[v for v, _ in values.most_common(max_values)]))

    i = 0
    while i < len(ref):
        ins = inserted.get(i)
        if ins and sum(ins.values()) >= need / 2:
            slot(None, ins)
        if constant(i):
            pending.append(ref[i][1])
            i += 1
            continue
        start = i
        while i < len(ref) and not constant(i):
            i += 1
        values: Counter[str] = Counter()
        for pos in range(start, i):
            values.update(at[pos])
        named = ref_keys[start][1:-1] if i - start == 1 and ref_keys[start].startswith("{") else None
        slot(named, values)
    tail = inserted.get(len(ref))
    if tail and sum(tail.values()) >= need / 2:
        slot(None, tail)
    if pending:
        segments.append(Segment(text=" ".join(pending)))
    return Template(segments, len(docs))
