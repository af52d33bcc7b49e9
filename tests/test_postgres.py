"""What only the PostgreSQL store does: per-user isolation by row-level security, the administrator's setup,
surviving a server restart, pushed changes, and its refusals. (Everything the store promises on every backend
is tested through the ``store`` and ``shared_location`` fixtures.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest
from postgres_server import SECRET, PostgresDatabase
from test_durability import start_worker

from codex_jupyter import ChangeKind, SessionNotFoundError, StoreFormatError, open_store
from codex_jupyter.errors import StorageError, StoreLocationError
from codex_jupyter.storage.postgres.admin import user_password

JUPYTER = str(Path(sys.executable).with_name("jupyter"))
TIMEOUT_S = 30  # a generous bound for a shared machine; notifications normally arrive within milliseconds


@pytest.fixture
def alices_session(postgres: PostgresDatabase) -> str:
    with open_store(postgres.url("alice"), scope="alice.ipynb") as alice:
        session = alice.create_session(title="alice's plans")
        alice.add_message(session.id, role="user", content="the secret recipe")
    return session.id


# -- isolation: another user's role sees, changes and deletes nothing of alice's --------------------------------


def test_another_user_sees_none_of_alices_sessions_through_the_store(postgres, alices_session):
    with open_store(postgres.url("bob"), scope="bob.ipynb") as bob:
        assert bob.get_sessions() == []
        assert bob.search("secret recipe") == []
        with pytest.raises(SessionNotFoundError):
            bob.get_session(alices_session)
        with pytest.raises(SessionNotFoundError):
            bob.delete_session(alices_session)
        with pytest.raises(SessionNotFoundError):
            bob.add_message(alices_session, role="user", content="mine now")


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM codex_jupyter.sessions",
        "SELECT * FROM codex_jupyter.messages",
        "SELECT * FROM codex_jupyter.current_sessions",
        "SELECT * FROM codex_jupyter.owners",
        "SELECT * FROM codex_jupyter.search_messages('''recipe''', 10, NULL)",
        "SELECT * FROM codex_jupyter.search_titles('''plans''', 10, NULL)",
    ],
)
def test_another_user_reads_none_of_alices_rows_with_raw_sql(postgres, alices_session, query):
    with postgres.connect("bob") as bob:
        assert bob.execute(query).fetchall() == []


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE codex_jupyter.sessions SET title = 'taken'",
        "UPDATE codex_jupyter.messages SET content = 'taken'",
        "UPDATE codex_jupyter.owners SET revision = 0",
        "DELETE FROM codex_jupyter.messages",
        "DELETE FROM codex_jupyter.current_sessions",
        "DELETE FROM codex_jupyter.sessions",
    ],
)
def test_another_user_changes_and_deletes_none_of_alices_rows_with_raw_sql(postgres, alices_session, statement):
    with postgres.connect("bob") as bob:
        assert bob.execute(statement).rowcount == 0
    with open_store(postgres.url("alice"), scope="alice.ipynb") as alice:
        session = alice.get_session(alices_session)
        assert (session.title, [m.content for m in session.messages]) == ("alice's plans", ["the secret recipe"])


def test_another_user_cannot_write_rows_in_alices_name(postgres, alices_session):
    with postgres.connect("bob") as bob, pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level"):
        bob.execute(
            "INSERT INTO codex_jupyter.sessions (owner, id, created_at, updated_at) VALUES ('alice', 'x', now(), now())"
        )


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE codex_jupyter.messages DISABLE ROW LEVEL SECURITY",
        "DROP POLICY own_rows ON codex_jupyter.messages",
        "SET ROLE alice",
    ],
)
def test_a_user_cannot_lift_the_isolation(postgres, statement):
    with postgres.connect("bob") as bob, pytest.raises(psycopg.errors.InsufficientPrivilege):
        bob.execute(statement)


def test_a_user_with_a_wrong_password_is_refused_without_the_password_being_shown(postgres):
    url = postgres.url("bob").replace(user_password(SECRET, "bob"), "guessed-password")
    with pytest.raises(StoreLocationError, match="password authentication failed") as refused:
        open_store(url)
    assert "guessed-password" not in str(refused.value)
    assert refused.value.location == postgres.server.url("bob", postgres.name)


# -- the administrator's setup ---------------------------------------------------------------------------------


@pytest.fixture
def fresh_database(postgres_server, request) -> str:
    """A database without codex-jupyter's schema; dropped afterwards."""
    name = f"fresh_{request.node.name.lower()}"[:60].replace("[", "_").replace("]", "_").replace("-", "_")
    with postgres_server.connect() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield name
    with postgres_server.connect() as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def postgres_setup(*arguments: str) -> subprocess.CompletedProcess[str]:
    """``jupyter codex postgres-setup``, run as an administrator runs it."""
    done = subprocess.run(
        [JUPYTER, "codex", "postgres-setup", *arguments], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done


def test_the_setup_command_makes_the_schema_and_the_users_roles(postgres_server, fresh_database, monkeypatch):
    monkeypatch.setenv("HUB_SECRET", "another secret")
    admin_url = postgres_server.url(database=fresh_database)
    done = postgres_setup(f"--url={admin_url}", "--users=carol,dave", "--password-secret-env=HUB_SECRET")
    assert "is at version 1" in done.stdout and "Created the role(s) carol, dave." in done.stdout
    carol = postgres_server.url("carol", fresh_database, user_password("another secret", "carol"))
    with open_store(carol) as store:
        store.add_message_to_current_session(role="user", content="carol's words")
        assert [hit.snippet for hit in store.search("words")] == ["carol's words"]


def test_the_setup_can_run_again(postgres_server, fresh_database):
    admin_url = postgres_server.url(database=fresh_database)
    postgres_setup(f"--url={admin_url}", "--users=erin")
    done = postgres_setup(f"--url={admin_url}", "--users=erin")
    assert "The role(s) erin already existed." in done.stdout


def test_a_user_cannot_make_the_schema_and_is_told_to_ask_the_administrator(postgres, fresh_database):
    url = postgres.server.url("alice", fresh_database, user_password(SECRET, "alice"))
    with pytest.raises(StorageError, match="jupyter codex postgres-setup"):
        open_store(url)


def test_the_schema_of_a_newer_version_is_refused(postgres_server, fresh_database):
    admin_url = postgres_server.url(database=fresh_database)
    open_store(admin_url).dispose()  # a role that may, makes the schema itself
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute("UPDATE codex_jupyter.schema_version SET version = 99")
    with pytest.raises(StoreFormatError, match="newer than this codex-jupyter understands"):
        open_store(admin_url)


# -- durability: a server restart during a stream of appends -----------------------------------------------------


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_appends_acknowledged_across_a_server_restart_are_all_kept_once_in_order(postgres, mode):
    """``fast``: the server stops cleanly; ``immediate``: as if it crashed, recovering from its log."""
    url = postgres.url("alice")
    worker = start_worker(url, "restart.ipynb", 0)
    acknowledged = [worker.stdout.readline().strip() for _ in range(100)]
    postgres.server.restart(mode)
    acknowledged += [worker.stdout.readline().strip() for _ in range(100)]  # it went on after the restart
    os.kill(worker.pid, signal.SIGKILL)
    acknowledged += worker.stdout.read().split()
    worker.wait(timeout=30)
    with open_store(url, scope="restart.ipynb") as store:
        stored = [m.id for m in store.get_current_session().messages]
    assert len(set(stored)) == len(stored)  # nothing written twice
    assert stored[: len(acknowledged)] == acknowledged  # nothing acknowledged lost, in order
    assert len(stored) - len(acknowledged) <= 1  # committed just before the kill, not yet printed


def test_a_connection_the_server_ends_is_replaced_within_the_same_write(postgres):
    with open_store(postgres.url("alice")) as store:
        session = store.create_session()
        with postgres.connect() as admin:  # every connection of alice's, as a restart or a proxy would
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'alice'")
        added = store.add_message(session.id, role="user", content="after the drop")
        assert store.get_session(session.id).messages == (added,)


# -- changes pushed by LISTEN/NOTIFY --------------------------------------------------------------------------------


def test_another_processs_write_wakes_a_store_that_listens(postgres):
    url = postgres.url("alice")
    with open_store(url, scope="watching.ipynb") as watcher:
        woken = threading.Event()
        watcher.on_external_changes(woken.set)
        assert watcher._backend.wait_listening(TIMEOUT_S)
        acknowledged = start_worker(url, "writing.ipynb", 1).communicate(timeout=TIMEOUT_S)[0].split()
        assert woken.wait(TIMEOUT_S)
        changes = watcher.poll()
    assert [(c.kind, c.message.id if c.message else None) for c in changes if c.kind == ChangeKind.MESSAGE_ADDED] == [
        (ChangeKind.MESSAGE_ADDED, acknowledged[0])
    ]


def test_another_users_writes_wake_no_store_of_alice(postgres):
    with open_store(postgres.url("alice")) as alice, open_store(postgres.url("bob")) as bob:
        woken = threading.Event()
        alice.on_external_changes(woken.set)
        assert alice._backend.wait_listening(TIMEOUT_S)
        woken.clear()  # listening starts with a look, in case changes were missed
        alice.poll()
        bob.add_message_to_current_session(role="user", content="bob's own")
        wake_alice_later = open_store(postgres.url("alice"))  # a write of alice's after bob's: the wake to wait for
        wake_alice_later.create_session(title="alice's own")
        wake_alice_later.dispose()
        assert woken.wait(TIMEOUT_S)
        changes = alice.poll()
    assert [c.kind for c in changes] == [ChangeKind.SESSION_CREATED, ChangeKind.CURRENT_CHANGED]


def test_a_long_word_is_not_indexed_but_the_rest_of_the_message_is_found(store_on_postgres):
    long_word = "a" * 3000
    added = store_on_postgres.add_message_to_current_session(role="user", content=f"groupby {long_word} pivot")
    assert [hit.message_id for hit in store_on_postgres.search("groupby pivot")] == [added.id]
    assert store_on_postgres.search(long_word) == []


@pytest.fixture
def store_on_postgres(postgres):
    with open_store(postgres.url("alice")) as store:
        yield store
