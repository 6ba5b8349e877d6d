"""Benchmark: per-post cost of the indicator stage (matcher, assess) and of the optional classifier.

Usage: .venv/bin/python benchmarks/bench_indicators.py [--n 5000] [--seed 7] [--repeat 3] [--classifier]
Posts (~400 characters) are generated here from phrase pools in English, Hindi, Bengali and Hinglish: escort, job,
marriage and social posts, about a third of them dense with indicators, the rest benign look-alikes. Identifiers come
from tipwatch.extract (computed before timing: the pipeline passes them in). Target: assess() <= 100 us per post on
one core. CPU time of this process is measured (the machine is shared).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable, Sequence

_INDICATIVE = {
    "escort_ad": [
        "New girls in town for 3 days only, young fresh college girls available.",
        "Our girls are Russian and Nepali, 100% genuine service, no advance payment.",
        "Hamare paas nayi ladkiyan hain, kamsin, sirf 2 din ke liye shehar mein nayi.",
        "हमारी लड़कियां कमसिन और नई हैं, सिर्फ 3 दिन, 100% असली फोटो।",
        "আমাদের মেয়েরা কচি, কলেজের মেয়ে, শুধু ৩ দিন, কোন অ্যাডভান্স নেই।",
        "Just turned 18, innocent and sweet, leaving Sunday, call manager to book 🌹✈️",
    ],
    "job_ad": [
        "Urgent hiring for Dubai hotels, free visa and ticket, no experience needed.",
        "Registration fee Rs 8000, passport will be kept by the company, WhatsApp only.",
        "Dubai mein naukri, rehna khana free, fees jama karni hogi, passport company ke paas.",
        "মালয়েশিয়া চাকরি, ফ্রি ভিসা, রেজিস্ট্রেশন ফি ১০০০০ টাকা, পাসপোর্ট জমা রাখতে হবে।",
        "Girls required for dance bar in Dubai, salary 2 lakh per month, no interview.",
    ],
    "marriage_profile": [
        "Need bride urgently, poor family ok, marry and settle abroad, pay for your visa.",
        "Shaadi ke baad videsh le jaunga, garib ghar ki ladki chalegi, dahej nahi.",
    ],
}
_BENIGN = {
    "escort_ad": [
        "Independent mature companion, I work alone, by appointment, adults only.",
        "Certified physiotherapist, sports massage at my clinic, appointments only.",
    ],
    "job_ad": [
        "Hotel staff for Dubai, no recruitment fee, employer pays visa and ticket, licence no B-0000/MUM/PER/2020.",
        "Accounts assistant, 2 years experience, B.Com, apply on our website careers page.",
        "दुबई में होटल स्टाफ की भर्ती, कोई फीस नहीं, कार्यालय में साक्षात्कार।",
        "সৌদি আরবে নার্স নিয়োগ, কোনো টাকা লাগবে না, সরকার অনুমোদিত এজেন্সি।",
    ],
    "marriage_profile": [
        "Seeking alliance for our daughter, 27, MBA, working in Pune, family values.",
        "পাত্রী চাই, পাত্র ৩০, সরকারি চাকরি, কলকাতা, শিক্ষিত পরিবার।",
        "पुत्र हेतु वधू चाहिए, 29 वर्ष, इंजीनियर, दिल्ली, शिक्षित परिवार।",
    ],
    "social_post": [
        "Fresh vegetables delivered daily in Salt Lake, order on our website.",
        "We have new stock of sarees for Durga Puja, visit our shop in Gariahat.",
        "Yoga classes every morning in the park, all ages welcome, free first week.",
    ],
}
_NEUTRAL = [
    "Please read the full details before you call.",
    "Located near the main market, easy to reach by metro or auto.",
    "Serious enquiries only, timings 10 am to 9 pm.",
    "Photos are recent, more details on request.",
    "कृपया पूरी जानकारी पढ़ें।",
    "বিস্তারিত জানতে যোগাযোগ করুন।",
    "Sab details ke liye message karein.",
]
_TAILS = [
    "Call 98765 43210",
    "call nine eight seven six five 4 3 2 1 0",
    "Rs 3000/hr, 8000 full night",
    "salary 150000 per month",
    "age 19",
    "in Pune",
    "new in Mumbai",
    "mail info (at) example [dot] com",
    "wa.me/919876543210",
    "t.me/jobs_abroad_99",
]


def make_posts(n: int, seed: int) -> list[tuple[str, str]]:
    """(kind, text) pairs of about 400 characters."""
    rng = random.Random(seed)
    posts: list[tuple[str, str]] = []
    for _ in range(n):
        pool = _INDICATIVE if rng.random() < 0.35 else _BENIGN
        kind = rng.choice(sorted(pool))
        # two or three phrases of the kind, the rest neutral: ads repeat themselves less than phrase pools do
        phrases = rng.sample(pool[kind], min(len(pool[kind]), rng.randint(2, 3)))
        text = " ".join(phrases) + " "
        while len(text) < 330:
            text += rng.choice(_NEUTRAL) + " "
        text += " ".join(rng.sample(_TAILS, 2))
        posts.append((kind, text[:440]))
    return posts


def _time(fn: Callable[[int], object], n: int) -> float:
    t0 = time.process_time()
    for i in range(n):
        fn(i)
    return (time.process_time() - t0) / n * 1e6


def _labelled(posts: Sequence[tuple[str, str]], seed: int) -> tuple[list[str], list[int]]:
    rng = random.Random(seed)
    texts, labels = [], []
    for _ in range(len(posts)):
        label = int(rng.random() < 0.35)
        pool = _INDICATIVE if label else _BENIGN
        kind = rng.choice(sorted(pool))
        texts.append(" ".join(rng.sample(pool[kind], min(2, len(pool[kind])))))
        labels.append(label)
    return texts, labels


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--classifier", action="store_true", help="also time a classifier trained on generated data")
    args = ap.parse_args()

    from tipwatch.extract import extract
    from tipwatch.indicators import assess
    from tipwatch.indicators.score import default_scorer
    from tipwatch.text import normalize

    t0 = time.perf_counter()
    scorer = default_scorer()
    build = time.perf_counter() - t0
    posts = make_posts(args.n, args.seed)
    texts = [t for _, t in posts]
    kinds = [k for k, _ in posts]
    norms = [normalize(t) for t in texts]
    idents = [extract(t) for t in texts]
    calib = _time(lambda _: sum(range(1000)), 2000)
    print(f"calibration: sum(range(1000)) takes {calib:.1f} us (about 9 us on an idle core of this machine)")
    print(
        f"posts: {len(posts)}, mean length {statistics.mean(len(t) for t in texts):.0f} chars; lexicon build "
        f"{build:.2f} s ({len(scorer.matcher.lexicon.entries)} entries, {scorer.matcher.n_keys} automaton keys)"
    )
    hits = [assess(t, k, i, n)[0] for t, k, i, n in zip(texts, kinds, idents, norms, strict=True)]
    risks = [assess(t, k, i, n)[1].risk for t, k, i, n in zip(texts, kinds, idents, norms, strict=True)]
    print(
        f"hits per post: {statistics.mean(len(h) for h in hits):.1f}; posts with risk >= 0.5: "
        f"{sum(r >= 0.5 for r in risks) / len(risks):.0%}"
    )

    n = len(posts)
    rows = {
        "matcher.find": lambda i: scorer.matcher.find(norms[i]),
        "assess (normalized given)": lambda i: assess(texts[i], kinds[i], idents[i], norms[i]),
        "assess (normalizes itself)": lambda i: assess(texts[i], kinds[i], idents[i]),
    }
    for name, fn in rows.items():
        best = min(_time(fn, n) for _ in range(args.repeat))
        print(f"{name:>27}: {best:8.1f} us/post  ({1e6 / best:,.0f} posts/s on one core)")

    if args.classifier:
        from tipwatch.indicators.classifier import train

        train_texts, labels = _labelled(posts, args.seed + 1)
        t0 = time.perf_counter()
        model = train(train_texts, labels)
        print(f"classifier: trained on {len(train_texts)} texts in {time.perf_counter() - t0:.1f} s")
        batch = 500
        t0 = time.process_time()
        for start in range(0, n, batch):
            model.predict_proba(texts[start : start + batch])
        per = (time.process_time() - t0) / n * 1e6
        print(f"{'classifier.predict_proba':>27}: {per:8.1f} us/post in batches of {batch} ({1e6 / per:,.0f} posts/s)")


if __name__ == "__main__":
    main()
