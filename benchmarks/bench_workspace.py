"""Issue 10 target: on a 1M-post PostgreSQL store, the review queue, post view, network view and identifier search
each answer with p95 < 300 ms, measured over real HTTP against ``tipwatch serve --workers 2`` on 127.0.0.1.

Builds the store the way the README does (``tipwatch synth``, then ``tipwatch analyze --no-media``, which runs the
real analyze and link stages, so networks exist), or reuses it (``--reuse``). Then creates analysts and a read
token, starts the server and measures each call with httpx clients (``--concurrency`` requests in flight):

- ``POST /api/v1/review/next`` and ``POST /api/v1/review/{id}/decision`` by ``--analysts`` analysts at once, each
  deciding the post it was handed, so the queue advances;
- ``GET /api/v1/posts/{id}`` and the page ``/posts/{id}`` for random posts and for high-risk posts in networks;
- ``GET /api/v1/networks/{id}`` and the page ``/networks/{id}`` for random networks and the largest ones;
- ``GET /api/v1/search?q=`` with a phone written another way than stored (``98765 43210`` for ``+919876543210``)
  and with one word (full text).

Prints the machine, the load average before and after each call, p50/p95/p99/max per call and a Markdown table.

    .venv/bin/python benchmarks/bench_workspace.py --url postgresql+psycopg://postgres@127.0.0.1:55474/tipwatch \\
        --n 1000000 --work benchmarks/out/workspace-1m [--reuse]

The database named by ``--url`` must exist; without ``--reuse`` it must hold no posts yet.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from measure import free_port, machine, stop_server
from sqlalchemy import func, select

from tipwatch.config import Config
from tipwatch.services import accounts
from tipwatch.store.db import open_engine
from tipwatch.store.facade import open_store
from tipwatch.store.link_tables import network_posts, networks
from tipwatch.store.tables import identifiers, posts
from tipwatch.web.auth import CSRF_HEADER, SESSION_COOKIE

PASSWORD = "bench workspace password"
TARGET_MS = 300.0
WORD = re.compile(r"[a-z]{5,12}")


@dataclass
class Timing:
    name: str
    ms: list[float] = field(default_factory=list)
    errors: dict[int, int] = field(default_factory=dict)
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    seconds: float = 0.0

    def pct(self, p: float) -> float:
        if not self.ms:
            return float("nan")
        ordered = sorted(self.ms)
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


@dataclass
class Samples:
    posts: list[str]
    risky_posts: list[str]
    nets: list[str]
    big_nets: list[tuple[str, int]]
    phones: list[tuple[str, str]]  # (stored value, the query written another way)
    words: list[str]


def tipwatch_bin() -> str:
    return str(Path(sys.executable).parent / "tipwatch")


def run_logged(cmd: list[str], env: dict[str, str]) -> float:
    print(f"$ {shlex.join(cmd)}", flush=True)
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True)
    took = time.perf_counter() - start
    print(f"  {took:,.0f} s", flush=True)
    return took


def build(args: argparse.Namespace, env: dict[str, str]) -> None:
    """The README's way: synthetic posts to a file, then analyze (extract, score, store, link) into the store."""
    with open_store(args.url) as store:
        held = store.reports.totals(0.0).posts
    if held:
        sys.exit(f"the store already holds {held:,} posts: pass --reuse, or a fresh database")
    corpus, truth = args.work / "posts.jsonl", args.work / "truth.jsonl"
    if not corpus.exists():
        synth = [tipwatch_bin(), "synth", "--n", str(args.n), "--seed", str(args.seed)]
        run_logged([*synth, "--out", str(corpus), "--truth", str(truth)], env)
    run_logged([tipwatch_bin(), "analyze", str(corpus), "--db", args.url, "--no-media"], env)


def national(e164: str) -> str | None:
    """+919876543210 -> "98765 43210": the way an Indian ad writes it, not the way the store keeps it."""
    if e164.startswith("+91") and len(e164) == 13:
        return f"{e164[3:8]} {e164[8:]}"
    return None


def sample(url: str, n: int, rng: random.Random) -> Samples:
    """Ids to ask for, drawn once from the store (random rows by a random offset into the primary key)."""
    engine = open_engine(url, migrate=False)
    try:
        with engine.connect() as conn:
            total = int(conn.execute(select(func.count()).select_from(posts)).scalar_one())
            ids: list[str] = []
            for _ in range(n):
                off = rng.randrange(total)
                ids.append(str(conn.execute(select(posts.c.id).order_by(posts.c.id).offset(off).limit(1)).scalar_one()))
            risky = [
                str(r[0])
                for r in conn.execute(
                    select(posts.c.id)
                    .join(network_posts, network_posts.c.post_id == posts.c.id)
                    .where(posts.c.risk >= 0.7)
                    .order_by(func.random())
                    .limit(n)
                )
            ]
            net_total = int(conn.execute(select(func.count()).select_from(networks)).scalar_one())
            nets = [
                str(r[0]) for r in conn.execute(select(networks.c.id).order_by(func.random()).limit(min(n, net_total)))
            ]
            big = [
                (str(r[0]), int(r[1]))
                for r in conn.execute(
                    select(networks.c.id, networks.c.size).order_by(networks.c.size.desc(), networks.c.id).limit(5)
                )
            ]
            phones: list[tuple[str, str]] = []
            rows = conn.execute(
                select(identifiers.c.value)
                .where(identifiers.c.type == "phone", identifiers.c.value.like("+91%"))
                .order_by(func.random())
                .limit(n * 3)
            )
            for (value,) in rows:
                q = national(str(value))
                if q is not None and len(phones) < n:
                    phones.append((str(value), q))
            words: list[str] = []
            titles = conn.execute(select(posts.c.title).where(posts.c.id.in_(ids[: min(n, 200)])))
            for (title,) in titles:
                found = WORD.findall((title or "").lower())
                if found:
                    words.append(rng.choice(found))
    finally:
        engine.dispose()
    print(
        f"store: {total:,} posts, {net_total:,} networks (largest: "
        + ", ".join(f"{nid} {size:,} posts" for nid, size in big)
        + ")"
    )
    return Samples(ids, risky, nets, big, phones, words)


def make_accounts(url: str, secret: str, data_dir: Path, analysts: int) -> tuple[str, list[str]]:
    """A read token (new each run) and analyst users (kept: the same names and password on a re-run)."""
    cfg = Config(database_url=url, data_dir=data_dir, secret_key=secret)  # type: ignore[arg-type]
    names = [f"bench-analyst-{i}" for i in range(1, analysts + 1)]
    with open_store(url) as store:
        for name in names:
            with contextlib.suppress(accounts.UserExists):  # made by an earlier run
                accounts.add_user(store, name, PASSWORD, role="analyst", actor="bench")
        token, _ = accounts.create_token(store, "bench-read", ["read"], secret=cfg.server_secret(), actor="bench")
    return token, names


def start_server(args: argparse.Namespace, env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    cmd = [tipwatch_bin(), "serve", "--db", args.url, "--port", str(port), "--workers", str(args.workers)]
    print(f"$ {shlex.join(cmd)}")
    log = (args.work / "server.log").open("ab")  # a file, not a pipe: a full pipe would stall the server
    server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            sys.exit(f"the server did not start: see {args.work / 'server.log'}")
        time.sleep(0.3)


async def login(client: httpx.AsyncClient, name: str) -> dict[str, str]:
    """Sign in over the API; the headers a browser would send afterwards. The cookie is Secure (https only), so it
    is set by hand on this loopback http connection."""
    r = await client.post("/api/v1/auth/login", json={"name": name, "password": PASSWORD})
    r.raise_for_status()
    return {"cookie": f"{SESSION_COOKIE}={r.cookies[SESSION_COOKIE]}", CSRF_HEADER: r.json()["csrf_token"]}


async def timed(t: Timing, pending: Awaitable[httpx.Response]) -> httpx.Response | None:
    """Await one request (a coroutine starts only when awaited, so the clock starts with it)."""
    start = time.perf_counter()
    try:
        r = await pending
    except httpx.HTTPError:
        t.errors[0] = t.errors.get(0, 0) + 1
        return None
    t.ms.append((time.perf_counter() - start) * 1000)
    if r.status_code != 200:
        t.errors[r.status_code] = t.errors.get(r.status_code, 0) + 1
    return r


async def measure_gets(
    client: httpx.AsyncClient,
    name: str,
    paths: Sequence[str],
    headers: dict[str, str],
    *,
    requests: int,
    concurrency: int,
    warm: int,
) -> Timing:
    """``requests`` GETs cycling through ``paths``, ``concurrency`` at a time, after ``warm`` untimed ones."""
    t = Timing(name)
    for path in paths[:warm]:
        await client.get(path, headers=headers)
    todo = [paths[i % len(paths)] for i in range(requests)]
    t.load_before = os.getloadavg()
    start = time.perf_counter()

    async def worker(k: int) -> None:
        for path in todo[k::concurrency]:
            await timed(t, client.get(path, headers=headers))

    await asyncio.gather(*(worker(k) for k in range(concurrency)))
    t.seconds = time.perf_counter() - start
    t.load_after = os.getloadavg()
    return t


async def measure_review(
    client: httpx.AsyncClient, sessions: Sequence[dict[str, str]], rounds: int
) -> tuple[Timing, Timing]:
    """Each analyst, all at once: take the next post, decide it (dismiss, with a reason), ``rounds`` times."""
    nxt, dec = Timing("POST /api/v1/review/next"), Timing("POST /api/v1/review/{id}/decision")
    nxt.load_before = dec.load_before = os.getloadavg()
    start = time.perf_counter()

    async def analyst(headers: dict[str, str]) -> None:
        for _ in range(rounds):
            r = await timed(nxt, client.post("/api/v1/review/next", json={}, headers=headers))
            if r is None or r.status_code != 200 or r.json()["item"] is None:
                return
            pid = r.json()["item"]["post"]["id"]
            body = {"decision": "dismiss", "reason": "benchmark: synthetic post"}
            await timed(dec, client.post(f"/api/v1/review/{pid}/decision", json=body, headers=headers))

    await asyncio.gather(*(analyst(h) for h in sessions))
    nxt.seconds = dec.seconds = time.perf_counter() - start
    nxt.load_after = dec.load_after = os.getloadavg()
    return nxt, dec


def report(t: Timing) -> None:
    errors = ", ".join(f"{n} x {'error' if code == 0 else code}" for code, n in sorted(t.errors.items())) or "none"
    lb, la = t.load_before, t.load_after
    print(
        f"{t.name}: n={len(t.ms)} p50 {t.pct(50):.0f} ms, p95 {t.pct(95):.0f} ms, p99 {t.pct(99):.0f} ms, "
        f"max {max(t.ms, default=float('nan')):.0f} ms, mean {statistics.fmean(t.ms) if t.ms else float('nan'):.0f}"
        f" ms; {len(t.ms) / t.seconds if t.seconds else 0:.1f} req/s; errors: {errors}; "
        f"load {lb[0]:.2f} -> {la[0]:.2f}",
        flush=True,
    )


async def bench(args: argparse.Namespace, port: int, token: str, names: list[str], s: Samples) -> list[Timing]:
    api = {"authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=max(args.concurrency, args.analysts) + 2)
    out: list[Timing] = []
    kw = {"requests": args.requests, "concurrency": args.concurrency, "warm": 4}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120, limits=limits) as client:
        sessions = [await login(client, name) for name in names]
        page = sessions[0]  # the pages are for people: a signed-in analyst's session

        def add(t: Timing) -> None:
            report(t)
            out.append(t)

        calls = set(args.calls.split(","))
        if "review" in calls:
            nxt, dec = await measure_review(client, sessions, args.rounds)
            add(nxt)
            add(dec)
        why = "reason=benchmark"
        if "posts" in calls:
            await measure_posts(client, s, api, page, why, kw, add)
        if "networks" in calls:
            await measure_networks(client, s, api, page, args, kw, add)
        if "search" in calls:
            await measure_search(client, s, api, kw, add)
    return out


Add = Callable[[Timing], None]


async def measure_posts(
    client: httpx.AsyncClient,
    s: Samples,
    api: dict[str, str],
    page: dict[str, str],
    why: str,
    kw: dict[str, int],
    add: Add,
) -> None:
    add(
        await measure_gets(
            client, "GET /api/v1/posts/{id} (random)", [f"/api/v1/posts/{p}?{why}" for p in s.posts], api, **kw
        )
    )
    if s.risky_posts:
        paths = [f"/api/v1/posts/{p}?{why}" for p in s.risky_posts]
        add(await measure_gets(client, "GET /api/v1/posts/{id} (risk >= 0.7, in a network)", paths, api, **kw))
    add(await measure_gets(client, "GET /posts/{id} page (random)", [f"/posts/{p}" for p in s.posts], page, **kw))
    if s.risky_posts:
        paths = [f"/posts/{p}" for p in s.risky_posts]
        add(await measure_gets(client, "GET /posts/{id} page (risk >= 0.7, in a network)", paths, page, **kw))


async def measure_networks(
    client: httpx.AsyncClient,
    s: Samples,
    api: dict[str, str],
    page: dict[str, str],
    args: argparse.Namespace,
    kw: dict[str, int],
    add: Add,
) -> None:
    if s.nets:
        add(
            await measure_gets(
                client, "GET /api/v1/networks/{id} (random)", [f"/api/v1/networks/{n}" for n in s.nets], api, **kw
            )
        )
        add(
            await measure_gets(
                client, "GET /networks/{id} page (random)", [f"/networks/{n}" for n in s.nets], page, **kw
            )
        )
    if s.big_nets:
        big = {**kw, "requests": max(10, args.requests // 5), "warm": 1}
        paths = [f"/api/v1/networks/{n}" for n, _ in s.big_nets]
        add(await measure_gets(client, f"GET /api/v1/networks/{{id}} (largest {len(paths)})", paths, api, **big))
        paths = [f"/networks/{n}" for n, _ in s.big_nets]
        add(await measure_gets(client, f"GET /networks/{{id}} page (largest {len(paths)})", paths, page, **big))


async def measure_search(
    client: httpx.AsyncClient, s: Samples, api: dict[str, str], kw: dict[str, int], add: Add
) -> None:
    if s.phones:
        paths = [f"/api/v1/search?{httpx.QueryParams({'q': q, 'reason': 'benchmark'})}" for _, q in s.phones]
        add(await measure_gets(client, "GET /api/v1/search (phone written another way)", paths, api, **kw))
    if s.words:
        paths = [f"/api/v1/search?{httpx.QueryParams({'q': w, 'by': 'text', 'reason': 'benchmark'})}" for w in s.words]
        add(await measure_gets(client, "GET /api/v1/search (one word, full text)", paths, api, **kw))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True, help="PostgreSQL URL of the store (postgresql+psycopg://...)")
    ap.add_argument("--n", type=int, default=1_000_000, help="synthetic posts (when building)")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--work", type=Path, default=Path("benchmarks/out/workspace"), help="corpus, data dir, logs")
    ap.add_argument("--reuse", action="store_true", help="measure the store as it is (no synth, no analyze)")
    ap.add_argument("--workers", type=int, default=2, help="server worker processes")
    ap.add_argument("--analysts", type=int, default=4, help="analysts walking the review queue at once")
    ap.add_argument("--rounds", type=int, default=50, help="next + decision per analyst")
    ap.add_argument("--requests", type=int, default=200, help="timed requests per GET call")
    ap.add_argument("--concurrency", type=int, default=4, help="GET requests in flight")
    ap.add_argument("--samples", type=int, default=100, help="distinct ids per kind")
    ap.add_argument(
        "--calls",
        default="review,posts,networks,search",
        help="which groups of calls to measure, comma-separated (review decides posts, so it changes the store)",
    )
    ap.add_argument("--seed-sample", type=int, default=1, help="seed of the ids drawn")
    args = ap.parse_args()
    if not args.url.startswith("postgresql"):
        sys.exit("--url must name a PostgreSQL store (the target is about PostgreSQL)")
    args.work.mkdir(parents=True, exist_ok=True)
    secret = "w" * 48  # the server and this script agree on it, so the token made here is valid there
    data_dir = args.work / "data"
    env = {**os.environ, "TIPWATCH_SECRET_KEY": secret, "TIPWATCH_DATA_DIR": str(data_dir)}
    print(f"machine: {machine()}")
    print(f"command: {shlex.join([sys.executable, *sys.argv])}")
    print(f"load average at start (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if not args.reuse:
        build(args, env)
    samples = sample(args.url, args.samples, random.Random(args.seed_sample))
    token, names = make_accounts(args.url, secret, data_dir, args.analysts)
    port = free_port()
    server = start_server(args, env, port)
    try:
        timings = asyncio.run(bench(args, port, token, names, samples))
    finally:
        stop_server(server, timeout=30)
    print(f"load average at end (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    print("| call | n | p50 ms | p95 ms | p99 ms | max ms | load (1 min) before -> after | p95 < 300 ms |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for t in timings:
        ok = "yes" if t.pct(95) < TARGET_MS and not t.errors else "**no**"
        print(
            f"| `{t.name}` | {len(t.ms)} | {t.pct(50):.0f} | {t.pct(95):.0f} | {t.pct(99):.0f} | "
            f"{max(t.ms, default=float('nan')):.0f} | {t.load_before[0]:.2f} -> {t.load_after[0]:.2f} | {ok} |"
        )


if __name__ == "__main__":
    main()
