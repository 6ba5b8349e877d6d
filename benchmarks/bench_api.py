"""Issue 10 target: ``POST /api/v1/scan`` at >= 1,000 requests/s with 2 workers and 32 connections, p99 < 50 ms.

Builds a synthetic store (tipwatch.synth, analyzed and linked), starts ``tipwatch serve --workers 2`` on
127.0.0.1, creates a scan token, warms both workers, then runs wrk (Debian package ``wrk``) with a Lua script that
POSTs synthetic scan JSON bodies (text only, nothing stored) over 32 connections for 20 s. Prints requests/s,
p50/p99 latency and errors.

    .venv/bin/python benchmarks/bench_api.py --corpus 5000 --seconds 20
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from measure import free_port, machine, stop_server

from tipwatch.config import Config
from tipwatch.services import accounts
from tipwatch.services.analyze import AnalyzeRequest, analyze
from tipwatch.store.facade import open_store
from tipwatch.synth import generate

LUA = """
local bodies = {}
local i = 0
for line in io.lines("%(bodies)s") do bodies[#bodies + 1] = line end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(token)s"
request = function()
  i = i %% #bodies + 1
  return wrk.format(nil, "/api/v1/scan", nil, bodies[i])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d %%f\\n", summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, summary.duration / 1e6))
end
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=int, default=5000, help="synthetic posts analyzed and linked into the store")
    ap.add_argument("--bodies", type=int, default=2000, help="distinct scan bodies wrk cycles through")
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("wrk is not installed (apt-get install wrk)")
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        root = Path(tmp)
        url = f"sqlite:///{root / 'store.db'}"
        corpus = root / "corpus.jsonl"
        with corpus.open("w", encoding="utf-8") as fh:
            for post, _ in generate(args.corpus, 11):
                fh.write(json.dumps(post, ensure_ascii=False) + "\n")
        secret = "b" * 48
        with open_store(url) as store:
            analyze(
                store,
                AnalyzeRequest([corpus], media=False, quarantine_path=root / "q.jsonl"),
                data_dir=root,
                link_state_dir=root / "state",
            )
            cfg = Config(database_url=url, data_dir=root / "data", secret_key=secret)  # type: ignore[arg-type]
            token, _ = accounts.create_token(store, "bench", ["scan"], secret=cfg.server_secret(), actor="bench")
            print(f"store: {store.reports.totals(0.0).posts:,} posts, {store.links.count_networks():,} networks")
        bodies = root / "bodies.jsonl"
        with bodies.open("w", encoding="utf-8") as fh:
            for post, _ in generate(args.bodies, 21):
                keep = {k: post[k] for k in ("title", "body", "platform", "url", "location") if post.get(k)}
                fh.write(json.dumps(keep, ensure_ascii=False) + "\n")
        script = root / "scan.lua"
        script.write_text(LUA % {"bodies": bodies, "token": token}, encoding="utf-8")
        port = free_port()
        env = {**os.environ, "TIPWATCH_SECRET_KEY": secret, "TIPWATCH_DATA_DIR": str(root / "data")}
        cmd = [
            str(Path(sys.executable).parent / "tipwatch"),
            "serve",
            "--db",
            url,
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ]
        log = (root / "server.log").open("wb")  # a file, not a pipe: a full pipe would stall the server
        server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"{base}/health", timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        sys.exit(
                            "the server did not start: " + (server.stderr.read().decode() if server.stderr else "")
                        )
                    time.sleep(0.2)
            # Warm both workers' scanners (each builds its own on first use).
            warm = [wrk, "-t2", f"-c{args.connections}", "-d5s", "-s", str(script), base]
            subprocess.run(warm, check=True, capture_output=True)
            run = [wrk, "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--latency", "-s", str(script), base]
            load = os.getloadavg()
            out = subprocess.run(run, check=True, capture_output=True, text=True).stdout
        finally:
            stop_server(server, timeout=20)
        m = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) ([\d.]+)", out)
        if m is None:
            sys.exit("no result from wrk:\n" + out)
        requests, status_errors, socket_errors, p50, p99, worst = (int(x) for x in m.groups()[:6])
        seconds = float(m.group(7))
        print(f"command: {' '.join(run)}")
        print(f"load average before the run (1, 5, 15 min): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        print(f"requests: {requests:,} in {seconds:.1f} s = {requests / seconds:,.0f} req/s")
        print(f"latency: p50 {p50 / 1000:.1f} ms, p99 {p99 / 1000:.1f} ms, max {worst / 1000:.1f} ms")
        print(f"errors: {status_errors} non-2xx, {socket_errors} socket")


if __name__ == "__main__":
    main()
