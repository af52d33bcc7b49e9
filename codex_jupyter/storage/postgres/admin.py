"""The administrator's setup of a PostgreSQL database for codex-jupyter: schema, roles, grants.

Run as a role that may create roles (a superuser, or one with ``CREATEROLE`` that owns the
database) with ``jupyter codex postgres-setup``, and again after upgrading codex-jupyter (it
migrates the schema, and grants what a new version added). It is idempotent. It

1. makes the schema ``codex_jupyter`` or brings it up to date (:mod:`.schema`);
2. makes the group role ``codex_jupyter_user`` (no login), which may use the tables, rows
   row-level security lets it see, and the search functions;
3. makes each user's role (login, nothing more) if missing, in that group, with a password if
   a secret is given: ``HMAC-SHA256(secret, user name)`` in hex, which the hub computes the same
   way for each user's URL (see the README). The password is sent already hashed (SCRAM), so
   it appears in no server log.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
from psycopg import sql

from . import schema
from .database import Database

GROUP_ROLE = "codex_jupyter_user"


def user_password(secret: str, user: str) -> str:
    """The password of ``user``'s role, derived from the deployment's ``secret`` (the hub derives the same)."""
    return hmac.new(secret.encode(), user.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SetupReport:
    location: str
    version: int
    created: tuple[str, ...]
    existing: tuple[str, ...]
    passwords_set: bool

    def summary(self) -> str:
        lines = [f"The codex_jupyter schema of {self.location} is at version {self.version}."]
        if self.created:
            lines.append(f"Created the role(s) {', '.join(self.created)}.")
        if self.existing:
            lines.append(f"The role(s) {', '.join(self.existing)} already existed.")
        if self.created or self.existing:
            said = "with their passwords derived from the secret" if self.passwords_set else "without passwords"
            lines.append(f"Each is in {GROUP_ROLE}, {said}; each sees only its own sessions.")
        return "\n".join(lines)


def setup(database: Database, users: Sequence[str], secret: str | None = None) -> SetupReport:
    """Do the setup (see the module docstring) as the role of ``database``'s URL."""
    conn = database.connect()
    try:
        with database.translated():
            schema.migrate(conn, database.location)
            with conn.transaction():
                _grant_group(conn)
                created: list[str] = []
                existing: list[str] = []
                for user in users:
                    (created if _ensure_role(conn, user) else existing).append(user)
                    if secret is not None:
                        _set_password(conn, user, user_password(secret, user))
    finally:
        conn.close()
    return SetupReport(database.location, schema.LATEST, tuple(created), tuple(existing), secret is not None)


def _role_exists(conn: psycopg.Connection, role: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is not None


def _grant_group(conn: psycopg.Connection) -> None:
    group = sql.Identifier(GROUP_ROLE)
    if not _role_exists(conn, GROUP_ROLE):
        conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(group))
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA codex_jupyter TO {}").format(group))
    conn.execute(sql.SQL("GRANT SELECT ON codex_jupyter.schema_version TO {}").format(group))
    for table in schema.OWNED_TABLES:
        conn.execute(
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {}").format(
                sql.Identifier(schema.SCHEMA, table), group
            )
        )
    for function in ("search_messages", "search_titles"):
        conn.execute(
            sql.SQL("GRANT EXECUTE ON FUNCTION {}(tsquery, integer, text) TO {}").format(
                sql.Identifier(schema.SCHEMA, function), group
            )
        )


def _ensure_role(conn: psycopg.Connection, user: str) -> bool:
    """Make ``user``'s login role if missing (whether it was made), and put it in the group."""
    role = sql.Identifier(user)
    created = not _role_exists(conn, user)
    if created:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(role))
    conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(GROUP_ROLE), role))
    return created


def _set_password(conn: psycopg.Connection, user: str, password: str) -> None:
    hashed = conn.pgconn.encrypt_password(password.encode(), user.encode(), b"scram-sha-256").decode()
    conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(user), sql.Literal(hashed)))
