"""The ``tipwatch`` command. Exit codes: 0 ok, 1 failure, 2 bad usage (Click's default for usage errors)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from tipwatch.cli.common import CommandError, console, set_config_file

app = typer.Typer(
    name="tipwatch",
    help="Find, link and preserve technology-facilitated trafficking leads. Scores are leads for human review.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _global_options(
    config: Path | None = typer.Option(
        None, "--config", help="A YAML configuration file (also TIPWATCH_CONFIG); flags and environment override it."
    ),
) -> None:
    set_config_file(config)


@app.command("version")
def version() -> None:
    """Print the tipwatch version."""
    from tipwatch import __version__

    print(__version__)


def _register() -> None:
    # One module per command; add a line here when adding a command module.
    from tipwatch.cli import analyze_cmd, label_cmd, report_cmd, score_cmd

    app.command("analyze")(analyze_cmd.analyze)
    app.command("score")(score_cmd.score)
    app.command("label")(label_cmd.label)
    app.command("labels-export")(label_cmd.labels_export)
    app.command("report")(report_cmd.report)
    from tipwatch.cli import banks_cmd, faces_cmd, hash_cmd, match_cmd  # media (issue 4)

    app.command("hash")(hash_cmd.hash_files)
    app.command("match")(match_cmd.match_files)
    app.add_typer(banks_cmd.app, name="banks")
    app.add_typer(faces_cmd.app, name="faces")
    from tipwatch.cli import synth_cmd  # synthetic corpus (issue 2 item 10)

    app.command("synth")(synth_cmd.synth)
    from tipwatch.cli import networks_cmd  # networks (issue 3)

    app.command("networks")(networks_cmd.networks)
    app.command("evaluate-networks")(networks_cmd.evaluate_networks)
    app.command("networks-export")(networks_cmd.networks_export)
    app.add_typer(networks_cmd.watch_app, name="watch")
    app.command("alerts")(networks_cmd.alerts)
    app.command("trends")(networks_cmd.trends)
    from tipwatch.cli import extract_cmd  # identifiers (issue 2 item 11)

    app.command("extract")(extract_cmd.extract_lines)
    from tipwatch.cli import evaluate_cmd, train_cmd  # classifier (issue 2 item 8)

    app.command("train")(train_cmd.train)
    app.command("evaluate")(evaluate_cmd.evaluate)
    from tipwatch.cli import audit, serve, tokens, users  # web workspace accounts and audit log (issue 10)

    app.add_typer(users.app, name="users")
    app.add_typer(tokens.app, name="tokens")
    app.add_typer(audit.app, name="audit")
    app.command("serve")(serve.serve)

    from tipwatch.cli import search_cmd  # search stored posts (issue 10)

    app.command("search")(search_cmd.search)

    from tipwatch.cli import cases_cmd, review_cmd  # analyst workspace (issue 10)

    app.add_typer(cases_cmd.app, name="cases")
    app.add_typer(review_cmd.app, name="review")
    from tipwatch.cli import jobs_cmd  # the web app's background jobs (issue 10)

    app.add_typer(jobs_cmd.app, name="jobs")

    from tipwatch.cli import exchange_cmd, feeds_cmd, retention_cmd  # partner exchange and data protection (issue 13)

    app.add_typer(exchange_cmd.app, name="exchange")
    app.add_typer(feeds_cmd.app, name="feeds")
    app.add_typer(retention_cmd.app, name="retention")

    from tipwatch.cli import notices_cmd  # takedown notices (issue 11)

    app.add_typer(notices_cmd.app, name="notices")

    from tipwatch.cli import evidence_cmd  # evidence capture, custody and bundles (issue 11)

    app.command("capture")(evidence_cmd.capture)
    app.add_typer(evidence_cmd.app, name="evidence")


_register()


def main() -> None:
    from tipwatch.store.db import StoreURLError

    try:
        app()
    except CommandError as exc:
        console.print(f"error: {exc}", style="bold red")
        sys.exit(exc.exit_code)
    except StoreURLError as exc:  # a bad --db is bad usage: one line, exit 2 like Click's usage errors
        console.print(f"error: {exc}", style="bold red")
        sys.exit(2)


if __name__ == "__main__":
    main()
