"""`tipwatch synth --n N --seed S --out posts.jsonl --truth truth.jsonl [--images DIR]`: a synthetic corpus.

posts.jsonl holds what a crawler would see; truth.jsonl, line for line, what was planted (labels, networks,
identifiers, image derivations). Both files are written next to their target and renamed at the end, so an
interrupted run leaves no half corpus behind.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

from tipwatch.cli.common import console, fail

_TICK = 2000  # progress refresh interval, in posts (a refresh per post would cost more than the post)


def synth(
    n: int = typer.Option(..., "--n", min=0, help="Number of posts."),
    seed: int = typer.Option(0, "--seed", help="Random seed: the same seed and n give the same corpus."),
    out: Path = typer.Option(..., "--out", dir_okay=False, help="Posts, one JSON object per line."),
    truth: Path = typer.Option(..., "--truth", dir_okay=False, help="Ground truth, one line per post, same order."),
    images: Path | None = typer.Option(
        None, "--images", file_okay=False, help="Also write the posts' images (small synthetic JPEGs) here."
    ),
) -> None:
    """Generate a synthetic corpus with ground truth (labels, planted networks, identifiers, image reuse)."""
    import orjson

    from tipwatch.cli.progress import progress_bar
    from tipwatch.synth import generate

    if out.resolve() == truth.resolve():
        raise typer.BadParameter("--out and --truth must be different files", param_hint="--truth")
    tmp_out, tmp_truth = out.with_name(out.name + ".part"), truth.with_name(truth.name + ".part")
    option = orjson.OPT_APPEND_NEWLINE
    try:
        for path in (out, truth):
            path.parent.mkdir(parents=True, exist_ok=True)
        with tmp_out.open("wb") as fp, tmp_truth.open("wb") as ft, progress_bar() as bar:
            task = bar.add_task("synth", total=n)
            done = 0
            for post, true in generate(n, seed, images_dir=images):
                fp.write(orjson.dumps(post, option=option))
                ft.write(orjson.dumps(true, option=option))
                done += 1
                if done % _TICK == 0:
                    bar.update(task, completed=done)
            bar.update(task, completed=done)
        os.replace(tmp_out, out)
        os.replace(tmp_truth, truth)
    except OSError as exc:
        for path in (tmp_out, tmp_truth):
            path.unlink(missing_ok=True)
        fail(f"cannot write the corpus: {exc}")
    console.print(
        f"wrote {n:,} posts to {out} and their truth to {truth}" + (f", images in {images}" if images else "")
    )
