"""Takedown notices (DSA Art. 16): draft one per hosting platform from posts or a network, approve (a supervisor who
is not the drafter), send by SMTP or HTTP webhook, then track until the content is removed.

States: draft -> approved -> sent -> acknowledged -> removed | refused | overdue (a sent or acknowledged notice whose
content is still up ``overdue_hours`` after sending; it can still end removed or refused). The sent time is the time
the host got "actual knowledge" (Art. 16(3)). Every transition is kept as a notice event and in the audit log
(``notice.<state>``). Refusals are ``NoticeError(reason, message)``: a web layer maps ``not_found`` to 404,
``forbidden`` to 403, ``conflict`` to 409 and the rest to 422.
"""

from __future__ import annotations

import smtplib
import ssl
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from tipwatch import safehttp
from tipwatch.notices import removal
from tipwatch.notices import text as notice_text
from tipwatch.notices.registry import Platform, Registry, RegistryError, host_of, load_registry
from tipwatch.notices.settings import NoticeSettings
from tipwatch.services import audit
from tipwatch.services.accounts import has_role
from tipwatch.services.posts import PostView, post_view
from tipwatch.store.facade import Store
from tipwatch.store.interface.notices import NoSuchNotice, Notice, NoticeDraft, NoticeEvent, StateChanged

__all__ = [
    "OPEN_STATES",
    "STATES",
    "DraftResult",
    "Notice",
    "NoticeError",
    "NoticeEvent",
    "PlatformStats",
    "RecheckResult",
    "approve",
    "draft",
    "events",
    "get_notice",
    "grounds",
    "list_notices",
    "mark",
    "notices_for_posts",
    "platforms_for_network",
    "recheck",
    "registry",
    "send",
    "time_to_removal",
    "transparency",
]

STATES = ("draft", "approved", "sent", "acknowledged", "removed", "refused", "overdue")
OPEN_STATES = ("draft", "approved", "sent", "acknowledged", "overdue")
TRACKED = ("sent", "acknowledged", "overdue")  # checked for removal by ``recheck``
# What a person may record by hand (a platform's reply; a web-form notice filed by hand), and from which states.
MANUAL = {
    "sent": ("approved",),
    "acknowledged": ("sent", "overdue"),
    "removed": ("sent", "acknowledged", "overdue"),
    "refused": ("sent", "acknowledged", "overdue"),
}
GROUNDS_PER_POST = 8
RECHECK_BYTES = 2_000_000
# A send claim older than this was left by a sender that died (SMTP and webhook time out well before).
SEND_CLAIM = timedelta(minutes=15)


class NoticeError(ValueError):
    """A request refused. ``reason``: not_found, forbidden, conflict, bad_request, no_notifier, registry, manual,
    send_failed."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(slots=True)
class DraftResult:
    notices: list[Notice]
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (post id, why no notice covers it)


@dataclass(slots=True)
class RecheckResult:
    checked: int = 0
    removed: list[int] = field(default_factory=list)
    overdue: list[int] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (notice id, url, why)


@dataclass(slots=True)
class PlatformStats:
    platform: str
    sent: int
    acknowledged: int
    removed: int
    refused: int
    overdue: int  # ever escalated as overdue, whatever the state now
    open: int
    median_hours_to_removal: float | None


def _now() -> datetime:
    return datetime.now(UTC)


@lru_cache(maxsize=8)
def _load(path: Path | None) -> Registry:
    return load_registry(path)


def registry(settings: NoticeSettings) -> Registry:
    """The configured platform registry (loaded once per file)."""
    try:
        return _load(settings.registry)
    except RegistryError as exc:
        raise NoticeError("registry", str(exc)) from None


def get_notice(store: Store, notice_id: int) -> Notice:
    notice = store.notices.get(notice_id)
    if notice is None:
        raise NoticeError("not_found", f"no notice {notice_id}")
    return notice


def list_notices(
    store: Store, *, state: str | None = None, platform: str | None = None, limit: int = 500
) -> list[Notice]:
    if state is not None and state not in STATES:
        raise NoticeError("bad_request", f"state must be one of {', '.join(STATES)}, got {state!r}")
    return store.notices.find(states=None if state is None else [state], platform=platform, limit=limit)


def notices_for_posts(store: Store, post_ids: set[str]) -> list[Notice]:
    """Every notice (newest first) that names at least one of these posts (a case's)."""
    if not post_ids:
        return []
    return store.notices.find(post_ids=sorted(post_ids), limit=100_000)


def platforms_for_network(store: Store, network_id: str, settings: NoticeSettings) -> dict[str, int]:
    """How many of the network's ads each hosting platform (of the registry) holds, for the network page's "draft
    notices" form; ads without a URL or on a host the registry does not know are counted under those names."""
    reg = registry(settings)
    by_host: dict[str | None, int] = {}  # a network's ads are spread over few hosts: look each up once
    for url, n in store.links.member_urls(network_id).items():
        host = host_of(url) if url else None
        by_host[host] = by_host.get(host, 0) + n
    counts: dict[str, int] = {}
    for host, n in by_host.items():
        platform = reg.for_host(host) if host else None
        name = platform.name if platform else ("no URL" if host is None else "a host not in the registry")
        counts[name] = counts.get(name, 0) + n
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def time_to_removal(notice: Notice) -> timedelta | None:
    """From sending (actual knowledge) to the check that first saw the last URL gone; None until removed."""
    if notice.state != "removed" or notice.sent_at is None or notice.closed_at is None:
        return None
    return notice.closed_at - notice.sent_at


def _transition(
    store: Store,
    notice_id: int,
    expected: Sequence[str],
    new: str,
    *,
    actor: str,
    why: str = "",
    at: datetime,
    fields: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
    audit_as: str | None = None,
) -> Notice:
    """One transition, kept as a notice event (``actor``: the user name) and an audit entry (``audit_as``: how the
    front door names the principal in the audit log, e.g. "user:ann"; default the actor)."""
    try:
        notice = store.notices.transition(
            notice_id, expected=expected, new=new, actor=actor, why=why, at=at, fields=fields
        )
    except NoSuchNotice as exc:
        raise NoticeError("not_found", str(exc)) from None
    except StateChanged as exc:
        raise NoticeError("conflict", str(exc)) from None
    audit.append(store, audit_as or actor, f"notice.{new}", f"notice:{notice_id}", why, details or {}, at=at)
    return notice


# Drafting


def grounds(view: PostView) -> list[str]:
    """The substantiated reasons of one post (Art. 16(2)(a)): its indicator hits, its identifiers shared with other
    ads, its network, an abuse-bank match. Leads found by software, stated as such."""
    post = view.post
    out: list[str] = []
    if view.restricted:
        out.append("an image of this ad matched a hash list of known child sexual abuse material (hash match only)")
    seen: set[str] = set()
    for hit in sorted(post.hits, key=lambda h: -h.weight):
        quote = " ".join(hit.text.split())
        if quote.lower() in seen:
            continue
        seen.add(quote.lower())
        out.append(f'the ad says "{quote[:120]}" ({hit.category.replace("_", " ")})')
        if len(out) >= GROUNDS_PER_POST - 2:
            break
    for ident in post.identifiers:
        if ident.shared_posts and ident.shared_posts > 1:
            others = f"at least {ident.shared_posts - 1:,}" if ident.shared_more else str(ident.shared_posts - 1)
            out.append(f"its {ident.type} {ident.value} also appears in {others} other ad(s)")
            if len(out) >= GROUNDS_PER_POST - 1:
                break
    if view.network is not None:
        out.append(
            f"it belongs to a group of {view.network.size} ads linked by shared contacts, text templates or pictures"
        )
    if post.posted_at is not None:
        out.append(f"posted {post.posted_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC")
    return out[:GROUNDS_PER_POST]


def _posts_of(store: Store, post_id: str | None, network_id: str | None) -> tuple[str, list[str]]:
    if (post_id is None) == (network_id is None):
        raise NoticeError("bad_request", "give a post or a network (one of them)")
    if post_id is not None:
        return f"post:{post_id}", [post_id]
    assert network_id is not None
    members = sorted(p for p, n in store.links.membership([network_id]).items() if n == network_id)
    if not members:
        raise NoticeError("not_found", f"no network {network_id} (or it has no posts)")
    return f"network:{network_id}", members


def draft(
    store: Store,
    *,
    post_id: str | None = None,
    network_id: str | None = None,
    drafted_by: str,
    settings: NoticeSettings,
    now: datetime | None = None,
    audit_as: str | None = None,
) -> DraftResult:
    """One draft notice per hosting platform of the posts (a post, or a network's posts). Posts without a URL, on a
    host the registry does not know, or already in an open notice are skipped, with the reason."""
    who = drafted_by.strip()
    if not who or len(who) > 200:
        raise NoticeError("bad_request", "the drafter must be a name of 1 to 200 characters")
    reg = registry(settings)
    origin, post_ids = _posts_of(store, post_id, network_id)
    at = now or _now()
    covered = {u.url: n.id for n in store.notices.find(states=OPEN_STATES, limit=100_000) for u in n.urls}
    groups: dict[str, tuple[Platform, list[notice_text.Item], bool]] = {}
    skipped: list[tuple[str, str]] = []
    for pid in post_ids:
        view = post_view(store, pid)
        if view is None:
            if post_id is not None:
                raise NoticeError("not_found", f"no post {pid}")
            skipped.append((pid, "not in the store"))
            continue
        url = (view.post.url or "").strip()
        platform = reg.for_url(url) if url else None
        if not url:
            skipped.append((pid, "no URL stored for this post"))
        elif platform is None:
            skipped.append((pid, f"no platform in the registry hosts {host_of(url) or url[:100]}"))
        elif url in covered:
            skipped.append((pid, f"already in open notice {covered[url]}"))
        else:
            _, items, csam = groups.setdefault(platform.key, (platform, [], False))
            items.append(notice_text.Item(pid, url, grounds(view)))
            groups[platform.key] = (platform, items, csam or view.restricted)
    made: list[Notice] = []
    for platform, items, csam in groups.values():
        notifier = None
        if not csam:
            if not settings.notifier_name or not settings.notifier_email:
                raise NoticeError(
                    "no_notifier",
                    "set notices.notifier_name and notices.notifier_email in the configuration (DSA Art. 16(2)(c))",
                )
            notifier = notice_text.Notifier(settings.notifier_name, settings.notifier_email)
        body = notice_text.body(
            platform.name, items, notifier, csam=csam, trusted_flagger=platform.trusted_flagger, reviewed_by=who
        )
        notice = store.notices.create(
            NoticeDraft(
                platform=platform.key,
                platform_name=platform.name,
                channel=platform.channel,
                recipient=platform.recipient,
                trusted_flagger=platform.trusted_flagger,
                csam=csam,
                notifier_name=None if notifier is None else notifier.name,
                notifier_email=None if notifier is None else notifier.email,
                subject=notice_text.subject(platform.name, len(items), csam),
                body=body,
                origin=origin,
                drafted_by=who,
                urls=[(i.post_id, i.url) for i in items],
            ),
            at=at,
        )
        audit.append(
            store,
            audit_as or who,
            "notice.draft",
            f"notice:{notice.id}",
            "",
            {"platform": platform.key, "origin": origin, "urls": len(items), "csam": csam},
            at=at,
        )
        made.append(notice)
    return DraftResult(made, skipped)


# Approval and sending


def approve(
    store: Store,
    notice_id: int,
    *,
    approver: str,
    approver_role: str,
    why: str = "",
    now: datetime | None = None,
    audit_as: str | None = None,
) -> Notice:
    """A supervisor (or admin) who did not draft the notice approves its text as it is. The front door says who the
    approver is (a signed-in user, or a user the CLI authenticated)."""
    notice = get_notice(store, notice_id)
    if not has_role(approver_role, "supervisor"):
        raise NoticeError("forbidden", "only a supervisor or an admin approves notices")
    if approver.strip().casefold() == notice.drafted_by.strip().casefold():
        raise NoticeError("forbidden", f"{approver} drafted notice {notice_id}: another person must approve it")
    at = now or _now()
    return _transition(
        store,
        notice_id,
        ("draft",),
        "approved",
        actor=approver,
        why=why,
        at=at,
        fields={"approved_by": approver, "approved_at": at},
        audit_as=audit_as,
    )


def _payload(notice: Notice, at: datetime) -> bytes:
    return orjson.dumps(
        {
            "notice_id": notice.id,
            "platform": notice.platform_name,
            "subject": notice.subject,
            "urls": [u.url for u in notice.urls],
            "explanation": notice.body,
            "notifier": None
            if notice.notifier_email is None
            else {"name": notice.notifier_name, "email": notice.notifier_email},
            "good_faith_statement": notice_text.GOOD_FAITH,
            "trusted_flagger": notice.trusted_flagger,
            "sent_at": at.isoformat(),
        }
    )


def _send_email(notice: Notice, s: NoticeSettings) -> dict[str, Any]:
    sender = s.smtp_from or s.notifier_email
    if not sender:
        raise NoticeError("no_notifier", "set notices.smtp_from (or notices.notifier_email) to send by e-mail")
    if s.smtp_tls == "none" and s.smtp_user:
        raise NoticeError("send_failed", "refused: SMTP credentials over a connection without TLS (set smtp_tls)")
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = notice.recipient
    msg["Subject"] = notice.subject
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg.set_content(notice.body)
    context = ssl.create_default_context()
    try:
        smtp: smtplib.SMTP
        if s.smtp_tls == "ssl":
            smtp = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
        with smtp:
            if s.smtp_tls == "starttls":
                smtp.starttls(context=context)
            if s.smtp_user and s.smtp_password is not None:
                smtp.login(s.smtp_user, s.smtp_password.get_secret_value())
            refused = smtp.send_message(msg)
    except (smtplib.SMTPException, OSError) as exc:
        raise NoticeError("send_failed", f"e-mail to {notice.recipient} failed: {type(exc).__name__}: {exc}") from None
    if refused:
        raise NoticeError("send_failed", f"the SMTP server refused {', '.join(refused)}")
    return {"channel": "email", "to": notice.recipient, "message_id": msg["Message-ID"]}


def _send_webhook(notice: Notice, s: NoticeSettings, at: datetime) -> dict[str, Any]:
    limits = safehttp.Limits(
        max_bytes=100_000, timeout=s.recheck_timeout, max_redirects=0, allow_private=s.allow_private_addresses
    )
    answer = safehttp.post(notice.recipient, _payload(notice, at), limits)
    if isinstance(answer, str):
        raise NoticeError("send_failed", f"webhook {notice.recipient}: {answer}")
    if not 200 <= answer.status < 300:
        raise NoticeError("send_failed", f"webhook {notice.recipient} answered HTTP {answer.status}")
    return {
        "channel": "webhook",
        "to": notice.recipient,
        "status": answer.status,
        "answer": answer.body[:500].decode("utf-8", "replace"),
    }


def send(
    store: Store,
    notice_id: int,
    *,
    actor: str,
    settings: NoticeSettings,
    now: datetime | None = None,
    audit_as: str | None = None,
) -> Notice:
    """Send an approved notice by its platform's channel; the time the channel accepted it is recorded as the sent
    time (the time of actual knowledge). A failure leaves the notice approved and is audited."""
    notice = get_notice(store, notice_id)
    if notice.state != "approved":
        raise NoticeError("conflict", f"notice {notice_id} is {notice.state}: only an approved notice is sent")
    if notice.channel not in ("email", "webhook"):
        raise NoticeError(
            "manual",
            f"{notice.platform_name} takes notices through its web form ({notice.recipient}): file it there, then "
            f"record it with `tipwatch notices mark {notice_id} sent`",
        )
    claimed = _now()
    # One sender only: two people pressing "send" at once must not send the platform two notices.
    if not store.notices.claim_send(notice_id, at=claimed, stale_before=claimed - SEND_CLAIM):
        raise NoticeError("conflict", f"notice {notice_id} is being sent by someone else, or was sent")
    try:
        if notice.channel == "email":
            receipt = _send_email(notice, settings)
        else:
            receipt = _send_webhook(notice, settings, now or _now())
    except NoticeError as exc:
        store.notices.release_send(notice_id)
        audit.append(
            store, audit_as or actor, "notice.send_failed", f"notice:{notice_id}", "", {"reason": str(exc)[:300]}
        )
        raise
    at = now or _now()
    return _transition(
        store,
        notice_id,
        ("approved",),
        "sent",
        actor=actor,
        at=at,
        fields={"sent_by": actor, "sent_at": at, "receipt": receipt, "send_claimed_at": None},
        details={"channel": notice.channel, "to": notice.recipient},
        audit_as=audit_as,
    )


def mark(
    store: Store,
    notice_id: int,
    state: str,
    *,
    actor: str,
    why: str = "",
    now: datetime | None = None,
    audit_as: str | None = None,
) -> Notice:
    """Record by hand what happened outside: sent (through a web form), acknowledged, removed or refused (the
    platform's answer)."""
    if state not in MANUAL:
        raise NoticeError("bad_request", f"a notice is marked {', '.join(MANUAL)}, not {state!r}")
    at = now or _now()
    by_state: dict[str, dict[str, Any]] = {
        "sent": {"sent_by": actor, "sent_at": at, "receipt": {"channel": "manual"}},
        "acknowledged": {"acknowledged_at": at},
        "removed": {"closed_at": at},
        "refused": {"closed_at": at},
    }
    fields = by_state[state]
    return _transition(
        store, notice_id, MANUAL[state], state, actor=actor, why=why, at=at, fields=fields, audit_as=audit_as
    )


# Tracking


def recheck(
    store: Store,
    *,
    settings: NoticeSettings,
    actor: str = "job:notices-recheck",
    now: datetime | None = None,
) -> RecheckResult:
    """Fetch every URL of every sent, acknowledged or overdue notice not yet seen gone; a notice whose URLs are all
    gone becomes removed (at the time of the check that saw the last one gone). Then notices still up
    ``overdue_hours`` after sending become overdue (escalated: state, event, audit entry)."""
    reg = registry(settings)
    at = now or _now()
    limits = safehttp.Limits(
        max_bytes=RECHECK_BYTES, timeout=settings.recheck_timeout, allow_private=settings.allow_private_addresses
    )
    result = RecheckResult()
    for notice in store.notices.find(states=TRACKED, limit=100_000):
        for u in notice.urls:
            if u.removed_at is not None:
                continue
            answer = safehttp.get(u.url, limits)
            result.checked += 1
            if isinstance(answer, str):
                result.errors.append((notice.id, u.url, answer))
                store.notices.record_check(notice.id, u.position, result=f"error: {answer}", at=at, removed=False)
                continue
            seen = removal.check(
                answer.status,
                answer.headers.get("content-type", ""),
                answer.body,
                reg.removal_markers,
                requested=u.url,
                final=answer.url,
            )
            store.notices.record_check(notice.id, u.position, result=seen.why, at=at, removed=seen.gone)
        fresh = store.notices.get(notice.id)
        if fresh is not None and fresh.urls and all(u.removed_at is not None for u in fresh.urls):
            closed = max(u.removed_at for u in fresh.urls if u.removed_at is not None)
            try:
                done = _transition(
                    store,
                    notice.id,
                    TRACKED,
                    "removed",
                    actor=actor,
                    why="every URL is gone",
                    at=at,
                    fields={"closed_at": closed},
                    details={"checks": [u.check_result for u in fresh.urls]},
                )
            except NoticeError:  # moved by a person meanwhile (refused, removed by hand)
                continue
            result.removed.append(done.id)
    deadline = at - timedelta(hours=settings.overdue_hours)
    for notice in store.notices.find(states=("sent", "acknowledged"), limit=100_000):
        if notice.sent_at is not None and notice.sent_at <= deadline:
            try:
                _transition(
                    store,
                    notice.id,
                    ("sent", "acknowledged"),
                    "overdue",
                    actor=actor,
                    why=f"content still up {settings.overdue_hours:g} hours after the notice was sent",
                    at=at,
                    fields={"overdue_at": at},
                    details={"sent_at": notice.sent_at.isoformat(), "platform": notice.platform},
                )
            except NoticeError:
                continue
            result.overdue.append(notice.id)
    return result


def events(store: Store, notice_id: int) -> list[NoticeEvent]:
    get_notice(store, notice_id)
    return store.notices.events(notice_id)


def transparency(store: Store, start: datetime, end: datetime) -> list[PlatformStats]:
    """Per platform, the notices sent in [start, end): how many, what became of them, the median time from sending
    to removal (hours)."""
    if end <= start:
        raise NoticeError("bad_request", "the period's end must be after its start")
    by_platform: dict[str, list[Notice]] = {}
    for n in store.notices.sent_between(start, end):
        by_platform.setdefault(n.platform, []).append(n)
    rows = []
    for platform, items in sorted(by_platform.items()):
        hours = [t.total_seconds() / 3600 for t in (time_to_removal(n) for n in items) if t is not None]
        rows.append(
            PlatformStats(
                platform=platform,
                sent=len(items),
                acknowledged=sum(n.acknowledged_at is not None for n in items),
                removed=sum(n.state == "removed" for n in items),
                refused=sum(n.state == "refused" for n in items),
                overdue=sum(n.overdue_at is not None for n in items),
                open=sum(n.state in OPEN_STATES for n in items),
                median_hours_to_removal=round(statistics.median(hours), 2) if hours else None,
            )
        )
    return rows
