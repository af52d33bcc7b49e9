"""The PostgreSQL schema, and the steps that bring an older one up to date.

Everything lives in the schema ``codex_jupyter``; its version is the one row of
``codex_jupyter.schema_version``. As for the workspace file (:mod:`..migrations`, whose
driver runs these steps too), version 1 is made by :func:`create_version_1` and
``STEPS[n]`` takes the schema from version ``n + 1`` to ``n + 2``, in one transaction
that holds an advisory lock, so of several processes opening an old schema at once one
migrates. A step must keep the previous version's writes valid (other processes may
still run it) and is appended here with its own SQL.

Isolation: every row has an ``owner``, which defaults to the role that wrote it
(``current_user``). Row-level security, forced even on the tables' owner, lets a role
see, change and delete only its own rows. One thing cannot be done under those policies:
using the full-text indexes, because PostgreSQL does not let a function that is not
"leakproof" (``@@`` is not) run before a row-level filter, so it would read every row of
the user. Search therefore goes through two ``SECURITY DEFINER`` functions owned by the
role that made the schema, which may read every row (``search_reads_all``) and which
return only the rows of the logged-in role (``session_user``). Words are indexed under a
tag of their owner (see :mod:`.fulltext`), so the index reads one user's matches only.

Change numbers: ``owners`` holds one row per owner whose ``revision`` every writing
transaction increments first. That row lock makes one owner's transactions commit one at
a time, in the order of their numbers, so a reader finds what changed since it last looked
by number alone (as the workspace file's readers do by ``seq``), and the trigger on the
row tells listeners of the owner's private channel, with the number as the only payload.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

from ..migrations import latest_version, migrate_schema

SCHEMA = "codex_jupyter"
#: Taken (``pg_advisory_xact_lock``) while the schema is made or migrated: "CDXS" as a number.
MIGRATION_LOCK = 0x43445853

Step = Callable[[psycopg.Connection], None]

_VERSION_1 = """
CREATE SCHEMA IF NOT EXISTS codex_jupyter;
CREATE TABLE codex_jupyter.schema_version (version integer NOT NULL);
INSERT INTO codex_jupyter.schema_version VALUES (0);

CREATE TABLE codex_jupyter.owners (
    owner             text PRIMARY KEY DEFAULT current_user,
    revision          bigint NOT NULL DEFAULT 1,
    sessions_revision bigint NOT NULL DEFAULT 0,
    channel           text NOT NULL DEFAULT 'codex_jupyter_' || md5(random()::text || clock_timestamp()::text)
);
CREATE TABLE codex_jupyter.sessions (
    owner         text NOT NULL DEFAULT current_user,
    id            text NOT NULL,
    seq           bigint GENERATED ALWAYS AS IDENTITY,
    title         text,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    message_count bigint NOT NULL DEFAULT 0,
    title_words   tsvector,
    PRIMARY KEY (owner, id)
);
CREATE INDEX sessions_in_order ON codex_jupyter.sessions (owner, seq);
CREATE INDEX sessions_recent ON codex_jupyter.sessions (owner, updated_at DESC, seq DESC);
CREATE INDEX sessions_title_words ON codex_jupyter.sessions USING gin (title_words);

CREATE TABLE codex_jupyter.messages (
    owner        text NOT NULL DEFAULT current_user,
    session_id   text NOT NULL,
    position     bigint NOT NULL,
    id           text NOT NULL,
    role         text NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
    content      text NOT NULL,
    "timestamp"  timestamptz NOT NULL,
    status       text NOT NULL DEFAULT 'complete'
                 CHECK (status IN ('streaming', 'complete', 'cancelled', 'error', 'incomplete')),
    error        text,
    writer       text,
    heartbeat_at timestamptz,
    added        bigint NOT NULL,
    revision     bigint NOT NULL,
    words        tsvector NOT NULL,
    PRIMARY KEY (owner, session_id, position),
    UNIQUE (owner, id),
    FOREIGN KEY (owner, session_id) REFERENCES codex_jupyter.sessions (owner, id) ON DELETE CASCADE
);
CREATE INDEX messages_by_revision ON codex_jupyter.messages (owner, revision);
CREATE INDEX messages_streaming ON codex_jupyter.messages (owner) WHERE status = 'streaming';
CREATE INDEX messages_words ON codex_jupyter.messages USING gin (words);

CREATE TABLE codex_jupyter.current_sessions (
    owner      text NOT NULL DEFAULT current_user,
    scope      text NOT NULL,
    session_id text NOT NULL,
    PRIMARY KEY (owner, scope),
    FOREIGN KEY (owner, session_id) REFERENCES codex_jupyter.sessions (owner, id) ON DELETE CASCADE
);

CREATE FUNCTION codex_jupyter.announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(NEW.channel, NEW.revision::text);
    RETURN NULL;
END
$$;
CREATE TRIGGER announce AFTER INSERT OR UPDATE OF revision ON codex_jupyter.owners
    FOR EACH ROW EXECUTE FUNCTION codex_jupyter.announce();

CREATE FUNCTION codex_jupyter.search_messages(query tsquery, max_hits integer, only_session text)
RETURNS TABLE (session_id text, title text, id text, role text, content text, "timestamp" timestamptz, rank real)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT m.session_id, s.title, m.id, m.role, m.content, m."timestamp", ts_rank(m.words, query, 1)
    FROM codex_jupyter.messages AS m
    JOIN codex_jupyter.sessions AS s ON s.owner = m.owner AND s.id = m.session_id
    WHERE m.owner = session_user AND m.words @@ query AND (only_session IS NULL OR m.session_id = only_session)
    ORDER BY 7 DESC, m."timestamp" DESC
    LIMIT max_hits
$$;
CREATE FUNCTION codex_jupyter.search_titles(query tsquery, max_hits integer, only_session text)
RETURNS TABLE (id text, title text, updated_at timestamptz, rank real)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT s.id, s.title, s.updated_at, ts_rank(s.title_words, query, 1)
    FROM codex_jupyter.sessions AS s
    WHERE s.owner = session_user AND s.title_words @@ query AND (only_session IS NULL OR s.id = only_session)
    ORDER BY 4 DESC, s.updated_at DESC
    LIMIT max_hits
$$;
REVOKE ALL ON FUNCTION codex_jupyter.search_messages(tsquery, integer, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION codex_jupyter.search_titles(tsquery, integer, text) FROM PUBLIC;
"""

#: The tables whose rows belong to one owner each.
OWNED_TABLES = ("owners", "sessions", "messages", "current_sessions")
#: What the search functions read across owners, as the role that made them.
SEARCHED_TABLES = ("sessions", "messages")


def create_version_1(conn: psycopg.Connection) -> None:
    """Tables, indexes, the change-number trigger, the search functions, and the row-level security policies."""
    conn.execute(_VERSION_1)  # a script: psycopg sends it whole when it has no parameters
    for table in OWNED_TABLES:
        name = sql.Identifier(SCHEMA, table)
        conn.execute(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(name))
        conn.execute(sql.SQL("ALTER TABLE {} FORCE ROW LEVEL SECURITY").format(name))
        conn.execute(
            sql.SQL(
                "CREATE POLICY own_rows ON {} USING (owner = current_user) WITH CHECK (owner = current_user)"
            ).format(name)
        )
    for table in SEARCHED_TABLES:
        conn.execute(
            sql.SQL("CREATE POLICY search_reads_all ON {} FOR SELECT TO CURRENT_USER USING (true)").format(
                sql.Identifier(SCHEMA, table)
            )
        )


#: ``STEPS[n]`` takes the schema from version ``n + 1`` to ``n + 2``.
STEPS: tuple[Step, ...] = ()


class _PostgresSchema:
    """The version is a row of ``codex_jupyter.schema_version``; an advisory lock keeps migrations one at a time."""

    def version(self, conn: psycopg.Connection) -> int:
        exists = conn.execute("SELECT to_regclass('codex_jupyter.schema_version') IS NOT NULL").fetchone()
        if not (exists and exists[0]):
            return 0
        row = conn.execute("SELECT version FROM codex_jupyter.schema_version").fetchone()
        return 0 if row is None else int(row[0])

    @contextmanager
    def exclusive(self, conn: psycopg.Connection) -> Iterator[None]:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            yield

    def create_version_1(self, conn: psycopg.Connection) -> None:
        create_version_1(conn)

    def set_version(self, conn: psycopg.Connection, version: int) -> None:
        conn.execute("UPDATE codex_jupyter.schema_version SET version = %s", (version,))


SCHEMA_KIND = _PostgresSchema()
LATEST = latest_version(STEPS)


def migrate(conn: psycopg.Connection, location: str, steps: tuple[Step, ...] = STEPS) -> None:
    """Make the schema, or bring it up to date, on ``conn`` (in autocommit mode)."""
    migrate_schema(conn, SCHEMA_KIND, steps, location)
