"""Network quality side by side: tipwatch and InfoShield (ICDE 2021) on the same posts, in one run (issue 9).

    .venv/bin/python benchmarks/bench_networks_quality.py --infoshield /work/infoshield \
        --dev-script ../shared/eval/networks_dev.py --seeds 1,2,3 --size 3000 --big 30000 --synth 3000

Corpora: tipwatch's own synth (``tipwatch synth``, no images) and the independent networks_dev corpus (several
seeds), written by a script the project does not own. tipwatch runs end to end through extraction
(``tipwatch analyze --no-media --no-link``, then the link stage, as ``tipwatch networks`` does): the networks_dev
phones are obfuscated, so extraction is part of what is measured. InfoShield runs from a checkout whose path is
given (its own venv: ``<checkout>/.venv/bin/python`` unless ``--infoshield-python``), as a subprocess on a CSV of
the same posts (``id``, ``text`` = title + body); its clusters are (LSH label, template #) from template_table.csv,
every other post is alone. Scores: pairwise precision/recall/F1, B-cubed F1 (tipwatch.link.evaluate), wall time.
Nothing of InfoShield is imported or copied.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from measure import machine

ROOT = Path(__file__).resolve().parents[1]
TIPWATCH = [sys.executable, "-m", "tipwatch.cli.main"]


def _tipwatch_bin() -> list[str]:
    exe = Path(sys.executable).with_name("tipwatch")
    return [str(exe)] if exe.exists() else TIPWATCH


def run_tipwatch(posts: Path, work: Path, media: bool = False) -> tuple[dict[str, str], dict[str, Any]]:
    """Analyze (extraction, media when asked, no linking), then link; returns post -> network and the timings."""
    from tipwatch.services.networks import update_networks
    from tipwatch.sources.convert import source_id_of
    from tipwatch.store.facade import open_store

    url = f"sqlite:///{work / 'store.db'}"
    t0 = time.perf_counter()
    subprocess.run(
        [*_tipwatch_bin(), "analyze", str(posts), "--media" if media else "--no-media", "--no-link", "--db", url],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    t_analyze = time.perf_counter() - t0
    store = open_store(url)
    t1 = time.perf_counter()
    summary = update_networks(store, state_dir=work / "link-state")
    t_link = time.perf_counter() - t1
    # Store keys carry a namespace (sources.convert.post_key); the truth names posts by the input's own id.
    predicted = {source_id_of(pid): nid for pid, nid in store.links.membership().items()}
    stages = {k: round(v, 3) for k, v in summary.timings.items()}
    return predicted, {"analyze_s": round(t_analyze, 2), "link_s": round(t_link, 2), "link_stages": stages}


def run_infoshield(
    posts: Path, work: Path, checkout: Path, python: Path, timeout: float, cache: Path | None = None
) -> tuple[dict[str, str], float, str]:
    """InfoShield (coarse + fine) on the posts' text; returns post -> template cluster, the wall time, the variant.

    With ``cache``, a result is kept per corpus content (sha256 of the posts file) and reused: InfoShield does not
    change between runs of this benchmark, tipwatch does.
    """
    digest = hashlib.sha256(posts.read_bytes()).hexdigest()[:16]
    cached = cache / f"infoshield-{digest}.json" if cache else None
    if cached is not None and cached.exists():
        data = json.loads(cached.read_text())
        return data["predicted"], float(data["seconds"]), str(data.get("variant", "InfoShield (coarse + fine)"))
    work.mkdir(parents=True, exist_ok=True)
    csv_path = work / "posts.csv"
    with open(posts, encoding="utf-8") as fin, open(csv_path, "w", newline="", encoding="utf-8") as fout:
        w = csv.writer(fout, lineterminator="\n")
        w.writerow(["id", "text"])
        for line in fin:
            rec = json.loads(line)
            text = " ".join(x for x in (rec.get("title"), rec.get("body")) if x)
            w.writerow([rec["id"], " ".join(text.split())])
    t0 = time.perf_counter()
    proc = subprocess.run(
        [str(python), str(checkout / "infoshield.py"), csv_path.name],
        cwd=work,
        check=False,
        timeout=timeout,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - t0
    predicted: dict[str, str] = {}
    table = work / "template_table.csv"
    coarse = work / "posts_full_LSH_labels.csv"
    variant = "InfoShield (coarse + fine)"
    if proc.returncode == 0 and table.exists():
        with open(table, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                predicted[str(row["ID"])] = f"{row['LSH Label']}-{row['Template #']}"
    elif coarse.exists():
        # The fine stage crashes on some corpora (KeyError in slot_identify): score its coarse clusters then.
        variant = "InfoShield-Coarse (the fine stage crashed)"
        with open(coarse, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if str(row["LSH label"]) != "-1":
                    predicted[str(row["id"])] = str(row["LSH label"])
    else:
        raise subprocess.CalledProcessError(proc.returncode, "infoshield.py")
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_text(json.dumps({"predicted": predicted, "seconds": seconds, "variant": variant}))
    return predicted, seconds, variant


def read_truth(path: Path) -> dict[str, str | None]:
    from tipwatch.link.evaluate import read_truth as rt

    return rt(path)[0]


def scores(truth: dict[str, str | None], predicted: dict[str, str]) -> dict[str, Any]:
    from tipwatch.link.evaluate import evaluate

    m = evaluate(truth, predicted)
    keys = ("precision", "recall", "f1", "bcubed_f1", "true_networks", "predicted_networks")
    return {k: m[k] for k in keys}


def corpora(args: argparse.Namespace, tmp: Path) -> list[tuple[str, Path, Path, bool]]:
    """(name, posts, truth, run InfoShield on it)."""
    out: list[tuple[str, Path, Path, bool]] = []
    for seed in [int(x) for x in args.synth_seeds.split(",") if x] if args.synth else []:
        posts, truth = tmp / f"synth{seed}.jsonl", tmp / f"synth{seed}_truth.jsonl"
        cmd = [*_tipwatch_bin(), "synth", "--n", str(args.synth), "--seed", str(seed)]
        if args.synth_media:
            cmd += ["--images", str(tmp)]  # image paths in the posts are relative to the posts file
        subprocess.run([*cmd, "--out", str(posts), "--truth", str(truth)], check=True, stdout=subprocess.DEVNULL)
        out.append((f"synth n={args.synth} seed={seed}", posts, truth, True))
    if args.dev_script and not args.skip_dev:
        sizes = [(args.size, True)] + ([(args.big, args.infoshield_big)] if args.big else [])
        for size, with_is in sizes:
            for seed in [int(s) for s in args.seeds.split(",") if s]:
                posts, truth = tmp / f"dev{size}_{seed}.jsonl", tmp / f"dev{size}_{seed}_truth.jsonl"
                subprocess.run(
                    [sys.executable, args.dev_script, str(size), str(seed), str(posts), str(truth)], check=True
                )
                out.append((f"networks_dev n={size} seed={seed}", posts, truth, with_is))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--infoshield", type=Path, help="InfoShield checkout (mengchillee/InfoShield); omit to skip it")
    ap.add_argument("--infoshield-python", type=Path, help="Python of InfoShield's venv (default: <checkout>/.venv)")
    ap.add_argument("--infoshield-timeout", type=float, default=3600.0)
    ap.add_argument("--infoshield-big", action="store_true", help="Also run InfoShield on the --big corpora")
    ap.add_argument("--dev-script", help="networks_dev.py (the independent corpus generator)")
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--size", type=int, default=3000)
    ap.add_argument("--big", type=int, default=0, help="Also this size (tipwatch alone unless --infoshield-big)")
    ap.add_argument("--synth", type=int, default=3000, help="Posts of tipwatch's own synth (0: skip)")
    ap.add_argument("--synth-seeds", default="1,2,3")
    ap.add_argument("--synth-media", action="store_true", help="Write the synth images and run tipwatch's media stage")
    ap.add_argument("--infoshield-cache", type=Path, help="Keep/reuse InfoShield results per corpus content here")
    ap.add_argument("--skip-dev", action="store_true", help="Only the synth corpora")
    ap.add_argument("--out", type=Path, help="Also write the results as JSON here")
    args = ap.parse_args()
    python = args.infoshield_python or (args.infoshield / ".venv" / "bin" / "python" if args.infoshield else None)
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="tw-netq-") as tmpdir:
        tmp = Path(tmpdir)
        for name, posts, truth_path, with_is in corpora(args, tmp):
            truth = read_truth(truth_path)
            work = tmp / f"tw-{len(results)}"
            work.mkdir()
            predicted, timing = run_tipwatch(posts, work, media=args.synth_media and name.startswith("synth"))
            row: dict[str, Any] = {"corpus": name, "tipwatch": {**scores(truth, predicted), **timing}}
            if args.infoshield and python is not None and with_is:
                try:
                    is_pred, is_s, variant = run_infoshield(
                        posts,
                        tmp / f"is-{len(results)}",
                        args.infoshield,
                        python,
                        args.infoshield_timeout,
                        args.infoshield_cache,
                    )
                    row["infoshield"] = {**scores(truth, is_pred), "seconds": round(is_s, 1), "variant": variant}
                    row["speedup_link"] = round(is_s / max(timing["link_s"], 1e-9), 1)
                    row["speedup_end_to_end"] = round(is_s / (timing["link_s"] + timing["analyze_s"]), 1)
                except (subprocess.SubprocessError, OSError) as exc:
                    row["infoshield"] = {"error": str(exc)[:200]}
            results.append(row)
            print(json.dumps(row), flush=True)
    summary = {
        "machine": machine(),
        "python": platform.python_version(),
        "command": " ".join(sys.argv),
        "results": results,
    }
    if args.out:
        args.out.write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
