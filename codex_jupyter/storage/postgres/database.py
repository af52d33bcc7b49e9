"""Reaching the database: the URL shown without its password, a pool of connections, and what failures mean.

A failure that a retry can outlast (the connection dropped, the server restarts, a deadlock
was broken) is retried with backoff for up to ``retry_seconds``; past that, and for every
failure of the server's disk or of the role's rights, a :class:`~codex_jupyter.errors.StorageError`
names the database (never its password): clients show it as one line, the REST API as 503/507.
Anything else is a bug in codex-jupyter and passes as it is.

Every connection asks for ``synchronous_commit = on`` itself, whatever the server's default,
so a commit returns only once it is on the server's disk (and on its synchronous standbys).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from ...errors import StorageError, StorageFullError, StoreDamagedError, StoreLocationError

T = TypeVar("T")

#: How long an operation keeps retrying a connection that dropped (a server restart takes a few seconds).
RETRY_SECONDS = 30.0
#: How long a write waits for another transaction's lock before giving up (as the workspace file's busy timeout).
LOCK_TIMEOUT = "60s"
#: Connections a process opens at most; one more listens for other processes' changes (see listener.py).
POOL_SIZE = 4
#: An idle connection is closed after this many seconds, so an idle kernel holds none.
POOL_MAX_IDLE = 60.0
_SETTINGS = f"SET synchronous_commit = on; SET TIME ZONE 'UTC'; SET lock_timeout = '{LOCK_TIMEOUT}'"

# SQLSTATE classes and codes (https://www.postgresql.org/docs/current/errcodes-appendix.html).
_CONNECTION_LOST = {"57P01", "57P02", "57P03"}  # admin_shutdown, crash_shutdown, cannot_connect_now
_RETRIED = {"40001", "40P01"}  # serialization_failure, deadlock_detected: the transaction was rolled back
_DISK_FULL = "53100"
_DAMAGED = {"XX001", "XX002"}  # data_corrupted, index_corrupted
_REFUSED_CLASSES = ("28", "3D", "08")  # authentication, unknown database, cannot connect
_UNUSABLE_CLASSES = ("42501", "53", "55P03", "57014", "25006", "42P01", "3F000", "54")


def _configure(conn: psycopg.Connection) -> None:
    conn.execute(_SETTINGS)


def redacted(url: str) -> str:
    """``url`` without a password, for every message to humans: ``postgresql://alice@db/codex``."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, _, hosts = netloc.rpartition("@")
        netloc = f"{user.partition(':')[0]}@{hosts}"
    query = urlencode([(key, value) for key, value in parse_qsl(parts.query) if key != "password"], safe="/")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _password(url: str) -> str | None:
    try:
        return psycopg.conninfo.conninfo_to_dict(url).get("password")  # type: ignore[return-value]
    except psycopg.Error:
        return None


def is_transient(error: BaseException) -> bool:
    """Whether retrying may succeed: the connection or server went away, or PostgreSQL rolled back to break a tie."""
    if isinstance(error, PoolTimeout):
        return True
    if not isinstance(error, psycopg.Error):
        return False
    state = error.sqlstate
    if state in _RETRIED or state in _CONNECTION_LOST:
        return True
    # A connection that dropped has no SQLSTATE (libpq's own error) or one of class 08.
    return isinstance(error, psycopg.OperationalError) and (state is None or state.startswith("08"))


class Database:
    """The database at one URL, as this process reaches it: a pool, direct connections, and the retry policy."""

    def __init__(self, url: str, *, logger: logging.Logger, retry_seconds: float = RETRY_SECONDS) -> None:
        self.url = url
        self.location = redacted(url)
        self.retry_seconds = retry_seconds
        self._password = _password(url)
        self._logger = logger
        self._pool: ConnectionPool | None = None

    # -- connections ----------------------------------------------------------------------

    def connect(self) -> psycopg.Connection:
        """A connection of its own (autocommit), not from the pool: for opening, and for listening.

        ``StoreLocationError`` when the database cannot be reached or refuses the role: it is not retried,
        so a wrong URL is reported at once.
        """
        try:
            conn = psycopg.connect(self.url, autocommit=True)
        except psycopg.OperationalError as error:
            raise StoreLocationError(
                f"cannot connect to the PostgreSQL database {self.location}: {self._said(error)}", self.location
            ) from None
        except psycopg.ProgrammingError as error:  # a URL libpq cannot read
            raise StoreLocationError(f"{self.location} is not a usable PostgreSQL URL: {self._said(error)}") from None
        try:
            _configure(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    @property
    def pool(self) -> ConnectionPool:
        if self._pool is None:
            self._pool = ConnectionPool(
                self.url,
                kwargs={"autocommit": True},
                configure=_configure,
                min_size=0,
                max_size=POOL_SIZE,
                max_idle=POOL_MAX_IDLE,
                num_workers=1,
                name=f"codex_jupyter {self.location}",
                open=True,
            )
        return self._pool

    def getconn(self, deadline: float) -> psycopg.Connection:
        return self.pool.getconn(timeout=max(0.1, deadline - time.monotonic()))

    def putconn(self, conn: psycopg.Connection) -> None:
        """Give a connection back: the pool closes it if it is broken, and rolls back what it left open."""
        self.pool.putconn(conn)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()

    # -- running work, retried --------------------------------------------------------------

    def deadline(self) -> float:
        return time.monotonic() + self.retry_seconds

    def run(self, work: Callable[[psycopg.Connection], T]) -> T:
        """``work(conn)`` on a pooled connection, retried (on another connection) while failures are transient."""

        def attempt() -> T:
            with self.pool.connection(timeout=self.retry_seconds) as conn:
                return work(conn)

        return self.retrying(attempt)

    def retrying(
        self, work: Callable[[], T], deadline: float | None = None, between: Callable[[], None] = lambda: None
    ) -> T:
        """``work()``, again after ``between()`` while it fails transiently and ``deadline`` is not past."""
        deadline = self.deadline() if deadline is None else deadline
        delay = 0.05
        while True:
            try:
                with self.translated():
                    return work()
            except StorageError as error:
                cause = error.__cause__
                if cause is None or not is_transient(cause) or time.monotonic() + delay > deadline:
                    raise
                self._logger.warning("codex_jupyter: %s; retrying", error)
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
            between()

    # -- what failures mean -------------------------------------------------------------------

    @contextmanager
    def translated(self) -> Iterator[None]:
        """Report failures of the server, its disk or the role's rights as :class:`StorageError` s; bugs pass."""
        try:
            yield
        except (psycopg.Error, PoolTimeout) as error:
            translated = self.storage_error(error)
            if translated is None:
                raise
            raise translated from error

    def storage_error(self, error: psycopg.Error | PoolTimeout) -> StorageError | None:
        where = f"the PostgreSQL database {self.location}"
        said = self._said(error)
        state = getattr(error, "sqlstate", None) or ""
        if is_transient(error):
            return StorageError(f"lost the connection to {where} ({said})", self.location)
        if state == _DISK_FULL:
            return StorageFullError(
                f"the disk of {where} is full, so nothing was saved; ask its administrator to free some space",
                self.location,
            )
        if state in _DAMAGED:
            return StoreDamagedError(f"{where} is damaged ({said}), so nothing was saved", self.location)
        if state == "42501":
            return StorageError(
                f"{where} refused this role ({said}); ask its administrator to run `jupyter codex postgres-setup`",
                self.location,
            )
        if state.startswith(_REFUSED_CLASSES) or isinstance(error, psycopg.OperationalError):
            return StoreLocationError(f"cannot use {where}: {said}", self.location)
        if state.startswith(_UNUSABLE_CLASSES):
            return StorageError(f"cannot use {where}: {said}", self.location)
        return None

    def _said(self, error: BaseException) -> str:
        """What ``error`` says, on one line, without the password (libpq quotes pieces of a URL it cannot read)."""
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        text = " ".join(lines) or type(error).__name__
        return text.replace(self._password, "***") if self._password else text
