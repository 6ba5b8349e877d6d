"""One opened store: the typed repository of each area over one database.

``open_store(url)`` is the only way front doors and services reach storage. Each attribute is an interface from
``tipwatch.store.interface``; the implementation here is the SQLAlchemy one.
"""

from __future__ import annotations

from pathlib import Path

from tipwatch.store.db import open_engine, resolve_url, schema_current
from tipwatch.store.interface.accounts import AccountStore, SessionStore
from tipwatch.store.interface.audit import AuditStore
from tipwatch.store.interface.cases import CaseStore
from tipwatch.store.interface.evidence import EvidenceStore
from tipwatch.store.interface.exchange import ExchangeStore
from tipwatch.store.interface.faces import FaceStore
from tipwatch.store.interface.feeds import FeedStore
from tipwatch.store.interface.jobs import JobStore
from tipwatch.store.interface.labels import LabelStore
from tipwatch.store.interface.links import LinkStateStore, LinkStore
from tipwatch.store.interface.media import BankStore, MediaStore
from tipwatch.store.interface.notices import NoticeStore
from tipwatch.store.interface.posts import PostStore
from tipwatch.store.interface.reports import ReportStore
from tipwatch.store.interface.retention import RetentionStore
from tipwatch.store.interface.review import ReviewStore
from tipwatch.store.interface.runs import RunStore
from tipwatch.store.interface.search import SearchStore
from tipwatch.store.interface.watches import WatchStore
from tipwatch.store.sql.accounts import SqlAccounts, SqlSessions
from tipwatch.store.sql.audit import SqlAudit
from tipwatch.store.sql.cases import SqlCases
from tipwatch.store.sql.evidence import SqlEvidence
from tipwatch.store.sql.exchange import SqlExchange
from tipwatch.store.sql.faces import SqlFaces
from tipwatch.store.sql.feeds import SqlFeeds
from tipwatch.store.sql.jobs import SqlJobs
from tipwatch.store.sql.labels import SqlLabels
from tipwatch.store.sql.link_state import SqlLinkState
from tipwatch.store.sql.links import SqlLinks
from tipwatch.store.sql.media import SqlBanks, SqlMedia
from tipwatch.store.sql.notices import SqlNotices
from tipwatch.store.sql.posts import SqlPosts
from tipwatch.store.sql.reports import SqlReports
from tipwatch.store.sql.retention import SqlRetention
from tipwatch.store.sql.review import SqlReview
from tipwatch.store.sql.runs import SqlRuns
from tipwatch.store.sql.search import SqlSearch
from tipwatch.store.sql.watches import SqlWatches


class Store:
    """The repositories of one database. Create with ``open_store``; ``close()`` when done (or use ``with``)."""

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        self.url = resolve_url(url)
        # Internal to the storage package: services and front doors use the repositories below.
        self._engine = open_engine(self.url, migrate=migrate)
        # Repositories are added here, one line per area (see tipwatch.store.interface).
        self.runs: RunStore = SqlRuns(self._engine)
        self.reports: ReportStore = SqlReports(self._engine)
        self.labels: LabelStore = SqlLabels(self._engine)
        self.banks: BankStore = SqlBanks(self._engine)
        self.media: MediaStore = SqlMedia(self._engine)
        self.faces: FaceStore = SqlFaces(self._engine)
        self.posts: PostStore = SqlPosts(self._engine)
        self.links: LinkStore = SqlLinks(self._engine)
        self.watches: WatchStore = SqlWatches(self._engine)
        self.search: SearchStore = SqlSearch(self._engine)
        self.review: ReviewStore = SqlReview(self._engine)
        self.cases: CaseStore = SqlCases(self._engine)
        self.evidence: EvidenceStore = SqlEvidence(self._engine)  # captures and their custody (issue 11)
        self.notices: NoticeStore = SqlNotices(self._engine)  # takedown notices (issue 11)
        # The link state kept in the database (services.networks.state_store picks it or a directory).
        self.link_state: LinkStateStore = SqlLinkState(self._engine)
        # Accounts, API tokens and web sessions; the hash-chained audit log (issue 10).
        self.accounts: AccountStore = SqlAccounts(self._engine)
        self.sessions: SessionStore = SqlSessions(self._engine)
        self.audit: AuditStore = SqlAudit(self._engine)
        # Background jobs (the API's batch ingest): state and progress any process can read.
        self.jobs: JobStore = SqlJobs(self._engine)
        # Partner exchange keys and selector values; retention and legal hold (issue 13).
        self.exchange: ExchangeStore = SqlExchange(self._engine)
        self.retention: RetentionStore = SqlRetention(self._engine)
        # Indicators pulled from partners' TAXII feeds, their pulls and quarantine (issue 13).
        self.feeds: FeedStore = SqlFeeds(self._engine)

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    def sqlite_path(self) -> Path | None:
        """The database file of a SQLite store (None for a server database)."""
        if self.dialect != "sqlite":
            return None
        db = self._engine.url.database
        return Path(db) if db and db != ":memory:" else None

    def ready(self) -> str | None:
        """None when the database answers and its schema is at the newest migration, else why not (one line)."""
        try:
            return None if schema_current(self._engine) else "the database schema is not at the newest migration"
        except Exception as exc:  # any driver error: the database is not reachable
            return f"database not reachable: {type(exc).__name__}"

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(url: str | None = None, *, migrate: bool = True) -> Store:
    return Store(url, migrate=migrate)
