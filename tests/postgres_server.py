"""A real PostgreSQL server in a temporary folder, for the tests and the benchmarks: Debian's ``postgresql``.

It listens on a Unix socket in its own folder only (no TCP port to collide with). ``initdb`` and
``postgres`` refuse to run as root, so as root they run as the ``postgres`` user (``runuser``), in
a folder that user owns; otherwise as whoever runs the tests. The superuser is ``codex``
(trusted on the socket); every other role logs in with its password (SCRAM), as users of a
JupyterHub would, so a URL without the right password is refused.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

import psycopg

from codex_jupyter.storage.postgres.admin import setup, user_password
from codex_jupyter.storage.postgres.database import Database
from codex_jupyter.storage.postgres.schema import OWNED_TABLES, SCHEMA

#: The roles of the test database, and the secret their passwords are derived from (as a hub would).
USERS = ("alice", "bob")
SECRET = "the deployment's secret"
SUPERUSER = "codex"
PORT = 5432
IS_ROOT = os.geteuid() == 0


def server_binaries() -> Path:
    """Where Debian keeps the server's programs (not on PATH): ``pg_config --bindir``."""
    try:
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as error:
        raise RuntimeError(f"PostgreSQL is not installed ({error}): run scripts/setup, which installs it") from None
    return Path(found)


class PostgresServer:
    """``initdb`` + ``pg_ctl`` in a temporary folder; :meth:`stop` removes it all."""

    def __init__(self, *, durable: bool = False, settings: dict[str, str] | None = None) -> None:
        """``durable=False`` turns fsync off: the tests kill the server process, never the machine, so what
        PostgreSQL wrote is kept by the OS all the same, and the suite runs faster. The benchmark keeps it on."""
        self.bin = server_binaries()
        self.folder = Path(tempfile.mkdtemp(prefix="codex-postgres-"))
        self.folder.chmod(0o755)  # the roles' clients (and nobody, in the permission tests) reach the socket
        if IS_ROOT:
            shutil.chown(self.folder, "postgres", "postgres")
        self.data = self.folder / "data"
        self.settings = {"listen_addresses": "''", "unix_socket_directories": f"'{self.folder}'", "port": str(PORT)}
        if not durable:
            self.settings |= {"fsync": "off", "full_page_writes": "off"}
        self.settings |= settings or {}
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "-E", "UTF8", "--no-sync", "--auth-local=trust")
        (self.data / "pg_hba.conf").write_text(f"local all {SUPERUSER} trust\nlocal all all scram-sha-256\n")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in self.settings.items())
        self.start()

    def _run(self, program: str, *arguments: str) -> None:
        command = [str(self.bin / program), *arguments]
        if IS_ROOT:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True)

    def _pg_ctl(self, action: str, *options: str) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-w", *options, action)

    def start(self) -> None:
        self._pg_ctl("start")

    def restart(self, mode: str = "fast") -> None:
        """Stop the server (``fast``: cleanly; ``immediate``: as a crash, recovering from the WAL) and start it."""
        self._pg_ctl("stop", "-m", mode)
        self._pg_ctl("start")

    def stop(self) -> None:
        try:
            self._pg_ctl("stop", "-m", "fast")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, user: str = SUPERUSER, database: str = "postgres", password: str | None = None) -> str:
        """A libpq URL to ``database`` as ``user``, through this server's socket."""
        credentials = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
        return f"postgresql://{credentials}@/{database}?host={quote(str(self.folder), safe='/')}&port={PORT}"

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        """A raw SQL connection as the superuser (autocommit), as an administrator with ``psql`` would have."""
        return psycopg.connect(self.url(database=database), autocommit=True)


class PostgresDatabase:
    """One database of the server, set up for :data:`USERS` as ``jupyter codex postgres-setup`` does."""

    def __init__(self, server: PostgresServer, name: str) -> None:
        self.server, self.name = server, name

    @classmethod
    def set_up(cls, server: PostgresServer, name: str) -> PostgresDatabase:
        with server.connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        database = cls(server, name)
        setup(Database(server.url(database=name), logger=logging.getLogger("codex_jupyter")), USERS, SECRET)
        return database

    def url(self, user: str) -> str:
        """``user``'s URL, with the password the deployment gives that user."""
        return self.server.url(user, self.name, user_password(SECRET, user))

    def connect(self, user: str = SUPERUSER) -> psycopg.Connection:
        """Raw SQL as ``user`` (the superuser by default), as with ``psql``."""
        return psycopg.connect(
            self.url(user) if user != SUPERUSER else self.server.url(database=self.name), autocommit=True
        )

    def empty(self) -> None:
        tables = ", ".join(f"{SCHEMA}.{table}" for table in OWNED_TABLES)
        with self.connect() as conn:
            conn.execute("SET lock_timeout = '10s'")
            conn.execute(f"TRUNCATE {tables} RESTART IDENTITY")
