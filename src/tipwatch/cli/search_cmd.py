"""``tipwatch search``: find stored posts by words (full text) or by an identifier written any way."""

from __future__ import annotations

import typer

from tipwatch.cli.common import DB_OPTION, UsageFailure, console, open_store, stdout_write

BY_HELP = "text: words of title and body; identifier: a phone, e-mail, handle, URL or wallet; auto: identifier if any."


def search(
    query: str = typer.Argument("", help="Words to find (a trailing * for a prefix), or an identifier."),
    by: str = typer.Option("auto", "--by", help=BY_HELP),
    db: str | None = DB_OPTION,
    limit: int = typer.Option(20, "--limit", help="At most this many posts (1-500)."),
    offset: int = typer.Option(0, "--offset", help="Skip this many (the next page: offset + limit)."),
    order: str = typer.Option("newest", "--order", help="newest (posting time) or risk."),
    region: str = typer.Option("IN", "--region", help="Region for phone numbers written without a country code."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per post on stdout (machine-friendly)."),
    reindex: bool = typer.Option(False, "--reindex", help="Rebuild the full-text index from the stored posts."),
) -> None:
    """Search stored posts. JSON lines (--json): {"post_id", "title", "snippet", "risk", "platform", "posted_at",
    "matched": [{"type", "value"}], "by"}."""
    import orjson

    from tipwatch.services.search import SearchError
    from tipwatch.services.search import reindex as rebuild
    from tipwatch.services.search import search as run

    with open_store(db) as store:
        if reindex:
            console.print(f"full-text index rebuilt: {rebuild(store):,} posts")
            if not query:
                return
        try:
            found = run(store, query, by=by, order=order, limit=limit, offset=offset, region=region.upper())  # type: ignore[arg-type]
        except SearchError as exc:
            raise UsageFailure(exc.reason) from None
    for hit in found.hits:
        if as_json:
            record = {
                "post_id": hit.post_id,
                "title": hit.title,
                "snippet": hit.snippet,
                "risk": round(hit.risk, 4),
                "platform": hit.platform,
                "posted_at": hit.posted_at.isoformat() if hit.posted_at else None,
                "matched": [{"type": t, "value": v} for t, v in hit.matched],
                "by": found.by,
            }
            stdout_write(orjson.dumps(record).decode())
            continue
        when = hit.posted_at.date().isoformat() if hit.posted_at else "-"
        matched = "  " + ", ".join(f"{t} {v}" for t, v in hit.matched) if hit.matched else ""
        stdout_write(f"{hit.post_id}\t{hit.risk:.2f}\t{hit.platform or '-'}\t{when}\t{hit.title}{matched}")
    looked = ", ".join(f"{t} {v}" for t, v in found.identifiers) if found.by == "identifier" else " ".join(found.terms)
    more = f"; next page: --offset {found.next_offset}" if found.next_offset is not None else ""
    console.print(f"{len(found.hits)} post(s) by {found.by} ({looked or 'no identifier in the query'}){more}")
