"""Accounts on both backends: users with argon2id hashes, rehash at login, tokens stored as keyed hashes only,
revocation, login rate limits, sessions with expiry and CSRF tokens."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from tipwatch.services import accounts, sessions
from tipwatch.services.accounts import AccountError, LockedOut, LoginFailed, LoginLimits, UserExists
from tipwatch.store.account_tables import api_tokens, users
from tipwatch.store.facade import Store, open_store

SECRET = b"k" * 40
PASSWORD = "correct horse battery staple"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with open_store(db_url) as opened:
        yield opened


def _raw(db_url: str, query: sa.Select[tuple[str]]) -> list[str]:
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        rows = [str(r) for r in conn.execute(query).scalars()]
    engine.dispose()
    return rows


def test_users_round_trip_with_argon2id_hashes(store: Store, db_url: str) -> None:
    alice = accounts.add_user(store, "alice", PASSWORD, role="analyst", face_search=True, actor="cli:test")
    accounts.add_user(store, "bob", PASSWORD + "!", role="viewer", actor="cli:test")
    with pytest.raises(UserExists):
        accounts.add_user(store, "alice", PASSWORD, role="viewer", actor="cli:test")
    with pytest.raises(AccountError, match="too short"):
        accounts.add_user(store, "carol", "short", role="viewer", actor="cli:test")
    with pytest.raises(AccountError, match="unknown role"):
        accounts.add_user(store, "carol", PASSWORD, role="root", actor="cli:test")
    listed = accounts.list_users(store)
    assert [(u.name, u.role, u.face_search, u.disabled) for u in listed] == [
        ("alice", "analyst", True, False),
        ("bob", "viewer", False, False),
    ]
    assert listed[0].id == alice.id and listed[0].created_at.tzinfo is not None
    stored = _raw(db_url, sa.select(users.c.password_hash).order_by(users.c.name))
    assert all(h.startswith("$argon2id$") for h in stored) and PASSWORD not in "".join(stored)
    assert stored[0] != stored[1]
    accounts.set_role(store, "bob", "supervisor", face_search=True, actor="cli:test")
    bob = store.accounts.user("bob")
    assert bob is not None and (bob.role, bob.face_search) == ("supervisor", True)


def test_login_rehashes_old_parameters_and_records_last_login(store: Store, db_url: str) -> None:
    user = accounts.add_user(store, "alice", PASSWORD, role="analyst", actor="cli:test")
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    store.accounts.update_user(user.id, password_hash=weak)
    got = accounts.authenticate(store, "alice", PASSWORD, address="10.0.0.1")
    assert got.last_login_at is not None
    new_hash = _raw(db_url, sa.select(users.c.password_hash))[0]
    assert new_hash != weak and new_hash.startswith("$argon2id$") and "m=65536" in new_hash
    # The rehash is transparent: the same password still works.
    accounts.authenticate(store, "alice", PASSWORD, address="10.0.0.1")
    with pytest.raises(LoginFailed):
        accounts.authenticate(store, "alice", "wrong password here", address="10.0.0.1")
    accounts.disable_user(store, "alice", actor="cli:test")
    with pytest.raises(LoginFailed):
        accounts.authenticate(store, "alice", PASSWORD, address="10.0.0.1")


def test_failed_logins_lock_out_per_user_and_per_address(store: Store) -> None:
    accounts.add_user(store, "alice", PASSWORD, role="analyst", actor="cli:test")
    limits = LoginLimits(per_user=3, per_address=5, window=timedelta(minutes=15))
    for _ in range(3):
        with pytest.raises(LoginFailed):
            accounts.authenticate(store, "alice", "not the password", address="10.0.0.1", limits=limits)
    with pytest.raises(LockedOut, match="locked out") as locked:
        accounts.authenticate(store, "alice", PASSWORD, address="10.0.0.2", limits=limits)  # right password, too late
    assert 0 < locked.value.retry_after <= 15 * 60 + 1
    # Another name from the same address still gets its tries until the address limit (5 failures) is reached.
    for _ in range(2):
        with pytest.raises(LoginFailed):
            accounts.authenticate(store, "nobody", "whatever it is", address="10.0.0.1", limits=limits)
    with pytest.raises(LockedOut):
        accounts.authenticate(store, "someone", "whatever it is", address="10.0.0.1", limits=limits)
    # Attempts older than a day are pruned at the next successful login.
    store.accounts.add_attempt("alice", "10.0.0.9", success=False, at=datetime.now(UTC) - timedelta(days=2))
    assert len(store.accounts.failures(since=datetime.now(UTC) - timedelta(days=3), address="10.0.0.9")) == 1
    # Failures older than the window no longer count.
    old = LoginLimits(per_user=3, per_address=5, window=timedelta(microseconds=1))
    assert accounts.authenticate(store, "alice", PASSWORD, address="10.0.0.3", limits=old).name == "alice"
    assert store.accounts.failures(since=datetime.now(UTC) - timedelta(days=3), address="10.0.0.9") == []


def test_tokens_stored_as_keyed_hash_scoped_and_revocable(store: Store, db_url: str) -> None:
    token, record = accounts.create_token(store, "scanner", ["scan", "read"], secret=SECRET, actor="cli:test")
    assert token.startswith("tw_") and len(token) >= 40 and record.prefix == token[:9]
    stored = _raw(db_url, sa.select(api_tokens.c.token_hash))
    assert stored != [] and token not in stored[0] and len(stored[0]) == 64
    found = accounts.verify_token(store, token, secret=SECRET)
    assert found is not None and found.scopes == ("scan", "read") and found.id == record.id
    assert accounts.list_tokens(store)[0].last_used_at is not None
    assert accounts.verify_token(store, token, secret=b"o" * 40) is None  # another server secret
    assert accounts.verify_token(store, token + "x", secret=SECRET) is None
    with pytest.raises(AccountError, match="scopes"):
        accounts.create_token(store, "bad", ["root"], secret=SECRET, actor="cli:test")
    accounts.revoke_token(store, record.id, actor="cli:test")
    assert accounts.verify_token(store, token, secret=SECRET) is None
    with pytest.raises(AccountError, match="no live token"):
        accounts.revoke_token(store, record.id, actor="cli:test")


def test_sessions_expire_and_end(store: Store) -> None:
    user = accounts.add_user(store, "alice", PASSWORD, role="viewer", actor="cli:test")
    now = datetime.now(UTC)
    new = sessions.create_session(store, user, secret=SECRET, lifetime=timedelta(minutes=30), now=now)
    info = sessions.lookup_session(store, new.session_id, secret=SECRET, now=now + timedelta(minutes=29))
    assert info is not None and info.user.name == "alice" and info.csrf_token == new.csrf_token
    assert sessions.check_csrf(info, new.csrf_token) and not sessions.check_csrf(info, None)
    assert not sessions.check_csrf(info, new.csrf_token[:-1] + "x")
    assert sessions.lookup_session(store, new.session_id, secret=b"o" * 40) is None
    assert sessions.lookup_session(store, new.session_id, secret=SECRET, now=now + timedelta(minutes=31)) is None
    assert sessions.lookup_session(store, new.session_id, secret=SECRET, now=now) is None  # deleted on expiry
    other = sessions.create_session(store, user, secret=SECRET, lifetime=timedelta(minutes=30))
    assert sessions.logout(store, other.session_id, secret=SECRET, actor="user:alice")
    assert sessions.lookup_session(store, other.session_id, secret=SECRET) is None
    stale = sessions.create_session(
        store, user, secret=SECRET, lifetime=timedelta(minutes=1), now=now - timedelta(hours=1)
    )
    third = sessions.create_session(store, user, secret=SECRET, lifetime=timedelta(minutes=30))
    assert store.sessions.purge_expired(now) == 0  # the stale one went when the third was made
    assert sessions.lookup_session(store, stale.session_id, secret=SECRET) is None
    accounts.disable_user(store, "alice", actor="cli:test")
    assert sessions.lookup_session(store, third.session_id, secret=SECRET) is None


def test_verified_tokens_cached_briefly_and_touched_rarely(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    token, record = accounts.create_token(store, "uploads", ["scan"], secret=SECRET, actor="cli:test")
    assert accounts.verify_token(store, token, secret=SECRET) is not None
    first_use = accounts.list_tokens(store)[0].last_used_at
    assert first_use is not None
    assert accounts.verify_token(store, token, secret=SECRET) is not None
    assert accounts.list_tokens(store)[0].last_used_at == first_use  # no write per request
    # Revoked by another process (straight in the store): this worker trusts its check for TOKEN_RECHECK at most.
    assert store.accounts.revoke_token(record.id, datetime.now(UTC))
    assert accounts.verify_token(store, token, secret=SECRET) is not None
    monkeypatch.setattr(accounts, "TOKEN_RECHECK", timedelta(0))
    assert accounts.verify_token(store, token, secret=SECRET) is None
