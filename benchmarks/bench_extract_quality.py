"""Benchmark: extraction quality per family and script (issue 9): phones, prices, ages, handles.

Usage: .venv/bin/python benchmarks/bench_extract_quality.py [--n 300] [--seed 9] [--dev ../shared/eval/networks_dev.py]

The set comes from ``benchmarks/extract_eval.py`` (synthetic, written apart from the detection code and from
``tipwatch synth``). With ``--dev``, the corpus written by that independent generator is measured too: its phone
writer and its slot values are recorded while it runs (by wrapping its functions), so its truth is exact; nothing of
its wording goes into detection. Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from extract_eval import Case, cases

from tipwatch.extract import extract
from tipwatch.model import Identifier


class Tally:
    def __init__(self) -> None:
        self.tp = 0
        self.fn = 0
        self.fp = 0
        self.n = 0

    def add(self, expected: Iterable[str], found: Iterable[str]) -> None:
        exp, got = list(expected), set(found)
        self.n += 1
        hit = sum(1 for e in exp if e in got)
        self.tp += hit
        self.fn += len(exp) - hit
        self.fp += len(got - set(exp))

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else float("nan")

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else float("nan")


def _values(ids: list[Identifier], kind: str) -> list[str]:
    return [i.value for i in ids if i.type == kind]


def _table(title: str, rows: dict[str, Tally], *, precision: bool = True) -> None:
    print(f"\n### {title}\n")
    if precision:
        print("| family | cases | recall | precision | missed | false |")
        print("|---|---:|---:|---:|---:|---:|")
    else:
        print("| family | cases | recall | missed | false |")
        print("|---|---:|---:|---:|---:|")
    for name, t in sorted(rows.items()):
        if precision:
            print(f"| {name} | {t.n} | {t.recall:.3f} | {t.precision:.3f} | {t.fn} | {t.fp} |")
        else:
            print(f"| {name} | {t.n} | {t.recall:.3f} | {t.fn} | {t.fp} |")


def run_set(all_cases: list[Case], show_misses: int) -> None:
    phone_fam: dict[str, Tally] = defaultdict(Tally)
    phone_script: dict[str, Tally] = defaultdict(Tally)
    other: dict[str, dict[str, Tally]] = {"price": defaultdict(Tally), "age": defaultdict(Tally)}
    other["handle"] = defaultdict(Tally)
    price_amount: dict[str, Tally] = defaultdict(Tally)
    negatives = Tally()
    misses: dict[str, list[str]] = defaultdict(list)
    for c in all_cases:
        ids = extract(c.text, c.region)
        if c.kind in ("phone", "negative"):
            found = _values(ids, "phone")
            exp = [v for t, v in c.expect if t == "phone"]
            if c.kind == "negative":
                negatives.add([], found)
                if found and len(misses["negative"]) < show_misses:
                    misses["negative"].append(f"{c.text!r} -> {found}")
                continue
            phone_fam[c.family].add(exp, found)
            phone_script[c.script].add(exp, found)
            phone_fam["ALL"].add(exp, found)
            if set(exp) != set(found) and len(misses[c.family]) < show_misses:
                misses[c.family].append(f"{c.text!r} [{c.region}] -> {found} want {exp}")
            continue
        found = _values(ids, c.kind)
        exp = [v for t, v in c.expect if t == c.kind]
        if not exp and found and len(misses[f"{c.kind}:{c.family}"]) < show_misses:
            misses[f"{c.kind}:{c.family}"].append(f"{c.text!r} [{c.region}] -> {found} (none expected)")
        other[c.kind][c.family].add(exp, found)
        other[c.kind]["ALL"].add(exp, found)
        if c.kind == "price":
            price_amount[c.family].add([v.split("/")[0] for v in exp], [v.split("/")[0] for v in found])
        if not set(exp) <= set(found) and len(misses[f"{c.kind}:{c.family}"]) < show_misses:
            misses[f"{c.kind}:{c.family}"].append(f"{c.text!r} [{c.region}] -> {found} want {exp}")
    _table("Phones per family", phone_fam)
    _table("Phones per script of the post", phone_script)
    print(f"\nNegatives (no phone in the post): {negatives.n} posts, {negatives.fp} phones wrongly reported")
    _table("Prices (value exact: amount, currency, unit)", other["price"])
    _table("Prices (amount and currency only)", price_amount)
    _table("Ages", other["age"])
    _table("Handles per platform", other["handle"])
    if show_misses:
        print("\n### Misses (first few per family)\n")
        for fam, lines in sorted(misses.items()):
            for line in lines:
                print(f"- {fam}: {line}")


# --- the independent corpus ------------------------------------------------------------------------------------------
def _shape(written: str) -> str:
    if re.fullmatch(r"[0-9]{10}", written):
        return "plain"
    if re.fullmatch(r"[0-9]{5} [0-9]{5}", written):
        return "spaced"
    if written.startswith("+91-"):
        return "prefix"
    if re.fullmatch(r"0[0-9]{3} [0-9]{3} [0-9]{4}", written):
        return "zero_prefix"
    if re.fullmatch(r"([0-9]{2}-){4}[0-9]{2}", written):
        return "dashed_pairs"
    if re.fullmatch(r"[a-z ]+", written):
        return "words"
    if re.fullmatch(r"[0-9A-Z]+", written):
        return "lookalike"
    return "mixed"


class _Recorder:
    """Wraps a random.Random: remembers what the render function drew (the age and the price slot values)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.drawn: list[tuple[str, Any]] = []

    def randrange(self, *a: int) -> int:
        v = self.rng.randrange(*a)
        self.drawn.append(("randrange", v))
        return v

    def choice(self, seq: Any) -> Any:
        v = self.rng.choice(seq)
        self.drawn.append(("choice", v))
        return v


def _price_amount(slot: str) -> str:
    digits = re.sub(r"[^0-9k]", "", slot.lower())
    return str(int(digits[:-1]) * 1000) if digits.endswith("k") else digits


def run_dev(path: str, n: int, seeds: list[int], show_misses: int) -> None:
    import json
    import tempfile

    import phonenumbers

    spec = importlib.util.spec_from_file_location("networks_dev", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    written_to: dict[str, tuple[str, str]] = {}
    orig_write: Callable[..., str] = mod.write
    orig_render: Callable[..., str] = mod.render
    body_slots: dict[str, tuple[int, str]] = {}

    def write(d: str, rng: random.Random) -> str:
        w = orig_write(d, rng)
        written_to[w] = ("+91" + d, _shape(w))
        return w

    def render(parts: Any, rng: random.Random, name: str, city: str, ph: str, site: str) -> str:
        rec = _Recorder(rng)
        body = orig_render(parts, rec, name, city, ph, site)
        age = next(v for k, v in rec.drawn if k == "randrange")
        price = next(v for k, v in rec.drawn if k == "choice")
        body_slots[body] = (age, _price_amount(price))
        return body

    mod.write = write  # type: ignore[attr-defined]
    mod.render = render  # type: ignore[attr-defined]
    support: dict[str, str] = {}
    for line in mod.SUPPORT.values():
        m = re.search(r"[+0-9][0-9 ]{8,}[0-9]", line)
        if m:
            num = phonenumbers.parse(m.group(), "IN")
            support[line] = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    fam: dict[str, Tally] = defaultdict(Tally)
    ages, prices = Tally(), Tally()
    misses: dict[str, list[str]] = defaultdict(list)
    t_extract = 0.0
    posts = 0
    for seed in seeds:
        written_to.clear()
        body_slots.clear()
        with tempfile.TemporaryDirectory() as tmp:
            sys.argv = ["networks_dev", str(n), str(seed), f"{tmp}/p.jsonl", f"{tmp}/t.jsonl"]
            mod.main()
            with open(f"{tmp}/p.jsonl", encoding="utf-8") as fp:
                rows = [json.loads(line) for line in fp]
        for row in rows:
            body = row["body"]
            t0 = time.process_time()
            ids = extract(body, "IN")
            t_extract += time.process_time() - t0
            posts += 1
            found = _values(ids, "phone")
            exp: list[str] = []
            shape = "?"
            for w, (e164, sh) in written_to.items():
                if w in body:
                    exp.append(e164)
                    shape = sh
            main_body = body
            for line, e164 in support.items():
                if line in body:
                    exp.append(e164)
                    fam["support_line"].add([e164], [f for f in found if f in support.values()])
                    main_body = body.replace(line, "")
            fam[shape].add(
                [e for e in exp if e not in support.values()], [f for f in found if f not in support.values()]
            )
            fam["ALL"].add(exp, found)
            if set(exp) != set(found) and len(misses[shape]) < show_misses:
                misses[shape].append(f"{main_body[-90:]!r} -> {found} want {exp}")
            slots = body_slots.get(body)
            if slots:
                age, amount = slots
                ages.add([str(age)], _values(ids, "age"))
                prices.add([amount], [v.split(" ")[0] for v in _values(ids, "price")])
                if str(age) not in _values(ids, "age") and len(misses["age"]) < show_misses:
                    misses["age"].append(f"{body[:80]!r} -> {_values(ids, 'age')} want {age}")
                if (
                    amount not in [v.split(" ")[0] for v in _values(ids, "price")]
                    and len(misses["price"]) < show_misses
                ):
                    misses["price"].append(f"{body[-120:]!r} -> {_values(ids, 'price')} want {amount}")
    _table(f"networks_dev.py phones ({n} posts, seeds {seeds})", fam)
    print(f"\nnetworks_dev ages: recall {ages.recall:.3f} precision {ages.precision:.3f} ({ages.tp}/{ages.n})")
    print(
        f"networks_dev prices (amount): recall {prices.recall:.3f} precision {prices.precision:.3f} "
        f"({prices.tp}/{prices.tp + prices.fn})"
    )
    print(f"extract() on these posts: {t_extract / posts * 1e6:.0f} us/post CPU")
    if show_misses:
        print("\n### networks_dev misses\n")
        for k, lines in sorted(misses.items()):
            for line in lines:
                print(f"- {k}: {line}")


def run_synth(posts_path: str, truth_path: str) -> None:
    """Regression check on ``tipwatch synth`` output: phones per writing style, handles per platform."""
    import json

    with open(posts_path, encoding="utf-8") as fp:
        posts = [json.loads(line) for line in fp]
    with open(truth_path, encoding="utf-8") as fp:
        truth = {t["id"]: t for t in map(json.loads, fp)}
    phones: dict[str, Tally] = defaultdict(Tally)
    handles: dict[str, Tally] = defaultdict(Tally)
    for p in posts:
        idents = truth[p["id"]]["identifiers"]
        text = "\n".join(x for x in (p.get("title"), p.get("body")) if x)
        region = "IN"
        for i in idents:  # the market of the post: the country of its first planted phone
            if i["type"] == "phone" and i["style"] != "wa_link":
                region = {"+977": "NP", "+880": "BD", "+971": "AE"}.get(i["value"][:4], "IN")
                break
        ids = extract(text, region)
        found_ph = _values(ids, "phone")
        found_h = _values(ids, "handle")
        for i in idents:
            if i["type"] == "phone":
                phones[i["style"]].add([i["value"]], [v for v in found_ph if v == i["value"]])
            elif i["type"] == "handle":
                handles[i["style"]].add([i["value"]], [v for v in found_h if v == i["value"]])
        exp_ph = {i["value"] for i in idents if i["type"] == "phone"}
        phones["ALL (post level)"].add(sorted(exp_ph), found_ph)
    _table("tipwatch synth: phones per style (precision only in the post-level row)", phones)
    _table("tipwatch synth: handles per platform", handles, precision=False)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300, help="cases per phone family (other kinds scale with it)")
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--dev", help="path to networks_dev.py (an independent corpus generator)")
    ap.add_argument("--dev-n", type=int, default=3000)
    ap.add_argument("--dev-seeds", default="1,2,3")
    ap.add_argument("--misses", type=int, default=0, help="print this many misses per family")
    ap.add_argument("--synth", nargs=2, metavar=("POSTS", "TRUTH"), help="tipwatch synth output to check as well")
    args = ap.parse_args()
    all_cases = cases(args.seed, args.n)
    t0 = time.process_time()
    run_set(all_cases, args.misses)
    print(f"\n{len(all_cases)} cases in {time.process_time() - t0:.1f} s CPU")
    if args.synth:
        run_synth(*args.synth)
    if args.dev:
        run_dev(args.dev, args.dev_n, [int(s) for s in args.dev_seeds.split(",")], args.misses)


if __name__ == "__main__":
    main()
