"""Takedown notices (issue 11 parts 4-5) through the service, on SQLite and PostgreSQL, with real local servers on
127.0.0.1: drafting with the DSA Art. 16(2) elements, the two-person rule, sending by SMTP and webhook, the re-check
marking removal with its time, overdue escalation on an injected clock, the transparency numbers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path

import orjson
import pytest
import sqlalchemy as sa
from notice_helpers import AD, Site, registry_file, serve_site, smtp_server, store_network, store_posts

from tipwatch.notices import text as notice_text
from tipwatch.notices.settings import NoticeSettings
from tipwatch.services import audit, notices
from tipwatch.services.notices import NoticeError
from tipwatch.store.facade import Store, open_store

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(engine: sa.Engine, db_url: str) -> Iterator[Store]:
    with open_store(db_url, migrate=False) as opened:
        yield opened


@pytest.fixture
def site() -> Iterator[Site]:
    with serve_site() as s:
        yield s


def _settings(tmp_path: Path, site: Site, **more: object) -> NoticeSettings:
    values: dict[str, object] = {
        "notifier_name": "Anti-Trafficking Unit",
        "notifier_email": "unit@example.org",
        "registry": registry_file(tmp_path / "platforms.yaml", webhook=site.url("/hook")),
        "allow_private_addresses": True,
        "smtp_host": "127.0.0.1",
        "smtp_tls": "none",
        "recheck_timeout": 5,
        "overdue_hours": 24,
    }
    values.update(more)
    return NoticeSettings.model_validate(values)


def _sent_by_mail(store: Store, settings: NoticeSettings, site: Site) -> notices.Notice:
    site.pages["/ad/1"] = (200, AD)
    store_posts(store, [("s/1", site.url("/ad/1"))])
    (n,) = notices.draft(store, post_id="s/1", drafted_by="ann", settings=settings, now=T0).notices
    notices.approve(store, n.id, approver="sup", approver_role="supervisor", now=T0)
    with smtp_server() as (box, port):
        sent = notices.send(store, n.id, actor="sup", settings=settings.model_copy(update={"smtp_port": port}), now=T0)
    assert len(box.messages) == 1
    return sent


def test_a_draft_has_the_art_16_elements_per_platform(store: Store, tmp_path: Path, site: Site) -> None:
    settings = _settings(tmp_path, site)
    store_posts(
        store,
        [
            ("s/1", site.url("/ad/1")),
            ("s/2", "http://localhost:1/ad/2"),
            ("s/3", None),
            ("s/4", "https://unknown.example/ad/4"),
        ],
    )
    with pytest.raises(NoticeError) as exc:
        notices.draft(store, post_id="nope/1", drafted_by="ann", settings=settings)
    assert exc.value.reason == "not_found"
    a = notices.draft(store, post_id="s/1", drafted_by="ann", settings=settings, now=T0)
    (n,) = a.notices
    assert (n.platform, n.channel, n.recipient, n.state, n.drafted_by) == (
        "adsite",
        "email",
        "abuse@adsite.test",
        "draft",
        "ann",
    )
    assert [u.url for u in n.urls] == [site.url("/ad/1")]
    # (a) reasons drawn from the post's indicators, (b) the exact URL, (c) notifier, (d) good faith
    assert 'the ad says "no limit" (services)' in n.body
    assert site.url("/ad/1") in n.body
    assert "Name: Anti-Trafficking Unit" in n.body and "E-mail: unit@example.org" in n.body
    assert notice_text.GOOD_FAITH in n.body
    assert "trusted flagger" in n.body  # the registry says so for adsite
    assert not n.csam
    # the same URL is not noticed twice while a notice is open; others are skipped with the reason
    again = notices.draft(store, post_id="s/1", drafted_by="bo", settings=settings)
    assert again.notices == [] and "already in open notice" in again.skipped[0][1]
    for pid, why in [("s/3", "no URL"), ("s/4", "unknown.example")]:
        res = notices.draft(store, post_id=pid, drafted_by="ann", settings=settings)
        assert res.notices == [] and why in res.skipped[0][1]
    b = notices.draft(store, post_id="s/2", drafted_by="ann", settings=settings).notices[0]
    assert b.platform == "hooksite"
    assert [e.action for e in audit.entries(store)].count("notice.draft") == 2
    # a case's notices are those naming its posts, newest first
    assert [n.id for n in notices.notices_for_posts(store, {"s/2"})] == [b.id]
    assert [n.id for n in notices.notices_for_posts(store, {"s/1", "s/2", "s/9"})] == [b.id, a.notices[0].id]
    assert notices.notices_for_posts(store, {"s/9"}) == [] and notices.notices_for_posts(store, set()) == []


def test_a_network_gives_one_notice_per_hosting_platform(store: Store, tmp_path: Path, site: Site) -> None:
    settings = _settings(tmp_path, site)
    store_posts(store, [("s/1", site.url("/a")), ("s/2", site.url("/b")), ("s/3", "http://localhost:1/c")])
    store_network(store, "N1", ["s/1", "s/2", "s/3"])
    made = notices.draft(store, network_id="N1", drafted_by="ann", settings=settings).notices
    by = {n.platform: n for n in made}
    assert sorted(by) == ["adsite", "hooksite"]
    assert [u.url for u in by["adsite"].urls] == [site.url("/a"), site.url("/b")]
    assert by["adsite"].origin == "network:N1"
    assert "a group of 3 ads" in by["adsite"].body


def test_child_abuse_notices_leave_out_the_notifier(store: Store, tmp_path: Path, site: Site) -> None:
    settings = _settings(tmp_path, site)
    store_posts(store, [("s/1", site.url("/ad/1"))], abuse=["s/1"])
    (n,) = notices.draft(store, post_id="s/1", drafted_by="ann", settings=settings).notices
    assert n.csam and n.notifier_name is None and n.notifier_email is None
    assert "unit@example.org" not in n.body and "Anti-Trafficking Unit" not in n.body
    assert "child sexual abuse material" in n.subject
    assert notice_text.GOOD_FAITH in n.body


def test_the_drafter_cannot_approve_and_an_analyst_cannot_approve(store: Store, tmp_path: Path, site: Site) -> None:
    settings = _settings(tmp_path, site)
    store_posts(store, [("s/1", site.url("/ad/1"))])
    (n,) = notices.draft(store, post_id="s/1", drafted_by="ann", settings=settings).notices
    for who, role in [("ann", "supervisor"), ("ANN", "admin"), ("bo", "analyst")]:
        with pytest.raises(NoticeError) as exc:
            notices.approve(store, n.id, approver=who, approver_role=role)
        assert exc.value.reason == "forbidden"
    assert notices.get_notice(store, n.id).state == "draft"
    with pytest.raises(NoticeError) as exc:
        notices.send(store, n.id, actor="sup", settings=settings)
    assert exc.value.reason == "conflict"  # a draft is never sent
    ok = notices.approve(store, n.id, approver="sup", approver_role="supervisor", why="checked")
    assert (ok.state, ok.approved_by) == ("approved", "sup")
    with pytest.raises(NoticeError) as exc:
        notices.approve(store, n.id, approver="sup2", approver_role="supervisor")
    assert exc.value.reason == "conflict"
    assert [(e.old, e.new, e.actor) for e in notices.events(store, n.id)] == [
        (None, "draft", "ann"),
        ("draft", "approved", "sup"),
    ]


def test_sending_by_smtp_records_the_time_of_actual_knowledge(store: Store, tmp_path: Path, site: Site) -> None:
    settings = _settings(tmp_path, site)
    site.pages["/ad/1"] = (200, AD)
    store_posts(store, [("s/1", site.url("/ad/1"))])
    (n,) = notices.draft(store, post_id="s/1", drafted_by="ann", settings=settings).notices
    notices.approve(store, n.id, approver="sup", approver_role="supervisor")
    with smtp_server() as (box, port):
        bad = settings.model_copy(update={"smtp_port": 1})
        with pytest.raises(NoticeError) as exc:
            notices.send(store, n.id, actor="sup", settings=bad)
        assert exc.value.reason == "send_failed"
        assert notices.get_notice(store, n.id).state == "approved"  # a failure sends nothing and changes nothing
        plain = settings.model_copy(update={"smtp_port": port, "smtp_user": "u", "smtp_password": "p"})
        with pytest.raises(NoticeError, match="without TLS"):
            notices.send(store, n.id, actor="sup", settings=plain)
        assert box.messages == []
        sent = notices.send(store, n.id, actor="sup", settings=settings.model_copy(update={"smtp_port": port}), now=T0)
    assert (sent.state, sent.sent_at, sent.sent_by) == ("sent", T0, "sup")
    assert sent.receipt is not None and sent.receipt["channel"] == "email"
    ((mail_from, rcpt, raw),) = box.messages
    assert (mail_from, rcpt) == ("unit@example.org", ["abuse@adsite.test"])
    msg: Message = message_from_bytes(raw, policy=policy.default)
    assert msg["Subject"] == n.subject
    payload = msg.get_payload(decode=True)
    assert isinstance(payload, bytes)
    assert site.url("/ad/1") in payload.decode() and notice_text.GOOD_FAITH in payload.decode()
    actions = [e.action for e in audit.entries(store)]
    assert "notice.send_failed" in actions and "notice.sent" in actions


def test_sending_by_webhook_posts_the_notice_as_json(store: Store, tmp_path: Path, site: Site) -> None:
    settings = _settings(tmp_path, site)
    store_posts(store, [("s/2", f"http://localhost:{site.port}/ad/2")])
    (n,) = notices.draft(store, post_id="s/2", drafted_by="ann", settings=settings).notices
    notices.approve(store, n.id, approver="sup", approver_role="supervisor")
    # without the explicit allow flag a webhook on a loopback address is refused (SSRF rule)
    with pytest.raises(NoticeError) as exc:
        notices.send(store, n.id, actor="sup", settings=settings.model_copy(update={"allow_private_addresses": False}))
    assert "loopback" in str(exc.value) and site.received == []
    # a second sender finds the notice claimed and sends nothing (two people pressing "send" at once)
    now = datetime.now(UTC)
    assert store.notices.claim_send(n.id, at=now, stale_before=now - timedelta(minutes=15))
    with pytest.raises(NoticeError) as exc:
        notices.send(store, n.id, actor="sup2", settings=settings)
    assert exc.value.reason == "conflict" and site.received == []
    # a claim left by a sender that died is taken over once it is stale; a failed send releases its claim
    assert not store.notices.claim_send(n.id, at=now, stale_before=now - timedelta(minutes=15))
    assert store.notices.claim_send(n.id, at=now, stale_before=now + timedelta(seconds=1))
    store.notices.release_send(n.id)
    sent = notices.send(store, n.id, actor="sup", settings=settings, now=T0)
    assert sent.state == "sent" and sent.receipt is not None and sent.receipt["status"] == 202
    ((path, body),) = site.received
    doc = orjson.loads(body)
    assert path == "/hook"
    assert doc["urls"] == [f"http://localhost:{site.port}/ad/2"]
    assert doc["notifier"] == {"name": "Anti-Trafficking Unit", "email": "unit@example.org"}
    assert doc["good_faith_statement"] == notice_text.GOOD_FAITH and doc["notice_id"] == n.id


def test_recheck_marks_removed_with_the_time_to_removal(store: Store, tmp_path: Path, site: Site) -> None:
    settings = _settings(tmp_path, site)
    n = _sent_by_mail(store, settings, site)
    first = notices.recheck(store, settings=settings, now=T0 + timedelta(hours=1))
    assert (first.checked, first.removed) == (1, [])
    assert notices.get_notice(store, n.id).urls[0].check_result == "live (HTTP 200)"
    site.pages.pop("/ad/1")  # taken down: 404
    done = notices.recheck(store, settings=settings, now=T0 + timedelta(hours=5, minutes=30))
    assert done.removed == [n.id]
    gone = notices.get_notice(store, n.id)
    assert gone.state == "removed" and gone.urls[0].check_result == "HTTP 404"
    assert notices.time_to_removal(gone) == timedelta(hours=5, minutes=30)
    assert notices.recheck(store, settings=settings, now=T0 + timedelta(hours=6)).checked == 0  # no longer tracked
    assert any(e.action == "notice.removed" and e.target == f"notice:{n.id}" for e in audit.entries(store))


def test_a_page_replaced_by_a_removal_notice_counts_as_removed(store: Store, tmp_path: Path, site: Site) -> None:
    settings = _settings(tmp_path, site)
    n = _sent_by_mail(store, settings, site)
    site.pages["/ad/1"] = (200, "<html><body><h2>This ad has been removed</h2></body></html>")
    assert notices.recheck(store, settings=settings, now=T0 + timedelta(hours=2)).removed == [n.id]
    gone = notices.get_notice(store, n.id)
    assert "removal notice" in (gone.urls[0].check_result or "")
    assert notices.time_to_removal(gone) == timedelta(hours=2)


def test_an_ad_redirected_to_the_front_page_counts_as_removed(store: Store, tmp_path: Path, site: Site) -> None:
    settings = _settings(tmp_path, site)
    n = _sent_by_mail(store, settings, site)
    site.pages["/ad/1"] = (302, "/")
    site.pages["/"] = (200, "<html><body>Welcome to Ad Site</body></html>")
    assert notices.recheck(store, settings=settings, now=T0 + timedelta(hours=3)).removed == [n.id]
    assert "front page" in (notices.get_notice(store, n.id).urls[0].check_result or "")


def test_overdue_escalation_on_an_injected_clock(store: Store, tmp_path: Path, site: Site) -> None:
    settings = _settings(tmp_path, site)
    n = _sent_by_mail(store, settings, site)
    early = notices.recheck(store, settings=settings, now=T0 + timedelta(hours=23, minutes=59))
    assert early.overdue == [] and notices.get_notice(store, n.id).state == "sent"
    late = notices.recheck(store, settings=settings, now=T0 + timedelta(hours=24))
    assert late.overdue == [n.id]
    over = notices.get_notice(store, n.id)
    assert (over.state, over.overdue_at) == ("overdue", T0 + timedelta(hours=24))
    assert [x.id for x in notices.list_notices(store, state="overdue")] == [n.id]
    assert any(e.action == "notice.overdue" and e.actor == "job:notices-recheck" for e in audit.entries(store))
    # an overdue notice is still checked, and ends removed when the content goes
    site.pages.pop("/ad/1")
    assert notices.recheck(store, settings=settings, now=T0 + timedelta(hours=30)).removed == [n.id]
    rows = notices.transparency(store, T0 - timedelta(days=1), T0 + timedelta(days=1))
    assert [(r.platform, r.sent, r.removed, r.overdue, r.median_hours_to_removal) for r in rows] == [
        ("adsite", 1, 1, 1, 30.0)
    ]
    assert notices.transparency(store, T0 + timedelta(days=1), T0 + timedelta(days=2)) == []


def test_marks_by_hand_follow_the_state_rules(store: Store, tmp_path: Path, site: Site) -> None:
    settings = _settings(tmp_path, site)
    n = _sent_by_mail(store, settings, site)
    with pytest.raises(NoticeError):
        notices.mark(store, n.id, "approved", actor="ann")
    assert notices.mark(store, n.id, "acknowledged", actor="ann", now=T0 + timedelta(hours=1)).state == "acknowledged"
    refused = notices.mark(store, n.id, "refused", actor="ann", why="platform says legal")
    assert refused.state == "refused"
    with pytest.raises(NoticeError) as exc:
        notices.mark(store, n.id, "removed", actor="ann")
    assert exc.value.reason == "conflict"
