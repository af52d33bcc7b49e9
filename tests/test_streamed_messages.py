"""Messages that grow: the store's streaming API on every backend, and what the workspace file does with it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from codex_jupyter import ChangeKind, InvalidInputError, SessionNotFoundError, StoreChange, open_store
from codex_jupyter.errors import InvalidTypeError, MessageNotFoundError, StoreDisposedError
from codex_jupyter.storage import migrations, writers
from codex_jupyter.streams import FLUSH_INTERVAL

WAIT_S = 30  # a generous bound for a shared machine: what is awaited normally takes one FLUSH_INTERVAL


def updates(changes: list[StoreChange]) -> list[StoreChange]:
    return [change for change in changes if change.kind is ChangeKind.MESSAGE_UPDATED]


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.01)


# -- the API, on every backend -------------------------------------------------------------------


def test_begin_message_stores_an_empty_streaming_assistant_message_at_the_end(store):
    session = store.create_session()
    store.add_message(session.id, role="user", content="Why?")
    begun = store.begin_message(session.id)
    assert (begun.role, begun.content, begun.status) == ("assistant", "", "streaming")
    assert store.get_session(session.id).messages[-1] == begun


def test_the_finished_message_holds_every_chunk_in_order(store):
    session = store.create_session()
    begun = store.begin_message(session.id)
    chunks = [f"word{i} " for i in range(500)]
    for chunk in chunks:
        store.append_to_message(begun.id, chunk)
    finished = store.finish_message(begun.id)
    assert (finished.content, finished.status) == ("".join(chunks), "complete")
    assert store.get_session(session.id).messages == (finished,)


def test_a_complete_streamed_message_has_exactly_the_json_of_any_message(store):
    session = store.create_session()
    begun = store.begin_message(session.id)
    store.append_to_message(begun.id, "done")
    assert set(store.finish_message(begun.id).to_dict()) == {"id", "role", "content", "timestamp"}


def test_a_cancelled_message_keeps_its_partial_text(store):
    session = store.create_session()
    begun = store.begin_message(session.id)
    store.append_to_message(begun.id, "half an ans")
    store.finish_message(begun.id, "cancelled")
    [stored] = store.get_session(session.id).messages
    assert (stored.content, stored.status) == ("half an ans", "cancelled")
    assert stored.to_dict()["status"] == "cancelled"


def test_a_failed_message_keeps_its_error_text(store):
    session = store.create_session()
    begun = store.begin_message(session.id)
    store.finish_message(begun.id, "error", "the model server failed (HTTP 500)")
    [stored] = store.get_session(session.id).messages
    assert (stored.status, stored.error) == ("error", "the model server failed (HTTP 500)")
    assert stored.to_dict()["error"] == "the model server failed (HTTP 500)"


@pytest.mark.parametrize(
    ("status", "error"), [("streaming", None), ("incomplete", None), ("done", None), ("complete", "an error")]
)
def test_finish_message_refuses_an_ending_that_is_not_one(store, status, error):
    session = store.create_session()
    begun = store.begin_message(session.id)
    with pytest.raises(InvalidInputError):
        store.finish_message(begun.id, status, error)
    assert store.finish_message(begun.id).status == "complete"  # still streaming: it can end properly


def test_text_for_a_message_that_is_not_streaming_is_refused(store):
    session = store.create_session()
    said = store.add_message(session.id, role="assistant", content="said whole")
    begun = store.begin_message(session.id)
    store.finish_message(begun.id)
    for message_id in (said.id, begun.id, "no-such-id"):
        with pytest.raises(InvalidInputError, match="not a reply this store is streaming"):
            store.append_to_message(message_id, "more")


def test_text_that_is_not_a_string_is_refused(store):
    begun = store.begin_message(store.create_session().id)
    with pytest.raises(InvalidTypeError):
        store.append_to_message(begun.id, b"bytes")


def test_begin_message_in_an_unknown_session_is_refused(store):
    with pytest.raises(SessionNotFoundError):
        store.begin_message("no-such-session")


def test_what_has_streamed_is_saved_before_the_message_finishes(store):
    session = store.create_session()
    seen: list[StoreChange] = []
    store.on_did_change(seen.append)
    begun = store.begin_message(session.id)
    store.append_to_message(begun.id, "first words")
    wait_for(lambda: updates(seen), "the streamed text to be saved")
    assert updates(seen)[0].message.content == "first words"
    assert store.get_message(session.id, begun.id).content == "first words"
    assert store.get_message(session.id, begun.id).status == "streaming"


def test_message_updated_changes_come_at_most_once_per_flush_interval(store):
    session = store.create_session()
    seen: list[StoreChange] = []
    store.on_did_change(seen.append)
    started = time.monotonic()
    begun = store.begin_message(session.id)
    for i in range(2000):
        store.append_to_message(begun.id, f"{i} ")
        if i % 100 == 0:
            time.sleep(FLUSH_INTERVAL / 4)  # a model that sends in bursts
    store.finish_message(begun.id)
    elapsed = time.monotonic() - started
    *growing, final = updates(seen)
    # The first text is written at once, each later write (but the last) FLUSH_INTERVAL after the one
    # before, however fast the chunks come: a bound that holds on any machine, whatever its speed.
    assert len(growing) <= 1 + elapsed / FLUSH_INTERVAL
    assert final.message.status == "complete" and final.message.content.endswith("1999 ")


def test_get_message_of_an_unknown_message_is_refused_naming_it(store):
    session = store.create_session()
    with pytest.raises(MessageNotFoundError, match="no message with id 'nope'"):
        store.get_message(session.id, "nope")


def test_dispose_saves_a_message_still_streaming_as_incomplete(shared_location):
    with open_store(shared_location) as store:
        begun = store.begin_message(store.create_session().id)
        store.append_to_message(begun.id, "cut short")
    with open_store(shared_location) as reopened:
        [stored] = reopened.get_sessions()[0].messages
    assert (stored.content, stored.status) == ("cut short", "incomplete")


def test_appending_after_dispose_is_refused(store):
    begun = store.begin_message(store.create_session().id)
    store.dispose()
    with pytest.raises(StoreDisposedError):
        store.append_to_message(begun.id, "too late")


def test_a_reply_whose_session_was_deleted_meanwhile_ends_with_session_not_found(store):
    session = store.create_session()
    begun = store.begin_message(session.id)
    store.append_to_message(begun.id, "lost")
    store.delete_session(session.id)
    with pytest.raises(SessionNotFoundError):
        store.finish_message(begun.id)


# -- several processes on one store ------------------------------------------------------


def test_another_store_sees_the_reply_grow_as_external_message_updated_changes(shared_location):
    with open_store(shared_location) as writer, open_store(shared_location) as reader:
        session = writer.create_session()
        begun = writer.begin_message(session.id)
        reader.poll()
        writer.append_to_message(begun.id, "Hello")
        wait_for(lambda: writer.get_message(session.id, begun.id).content == "Hello", "the first write")
        [grown] = updates(reader.poll())
        writer.append_to_message(begun.id, ", world")
        writer.finish_message(begun.id)
        [finished] = updates(reader.poll())
    assert (grown.external, grown.message.content, grown.message.status) == (True, "Hello", "streaming")
    assert (finished.message.content, finished.message.status) == ("Hello, world", "complete")
    assert [change.message.id for change in (grown, finished)] == [begun.id, begun.id]


# Begins a reply, streams a first part, says so once it is in the file, then waits to be killed.
STREAM_THEN_WAIT = """
import sys, time
from codex_jupyter import open_store

store = open_store(sys.argv[1])
session = store.create_session()
store.add_message(session.id, role="user", content="the question")
reply = store.begin_message(session.id)
store.append_to_message(reply.id, "the first half")
while store.get_message(session.id, reply.id).content != "the first half":
    time.sleep(0.01)
print(session.id, reply.id, flush=True)
time.sleep(600)
"""


def stream_then_kill(location: str | Path) -> tuple[str, str]:
    """A process streams half a reply into the store and is killed with SIGKILL; returns the session and reply ids."""
    process = subprocess.Popen(
        [sys.executable, "-c", STREAM_THEN_WAIT, str(location)], stdout=subprocess.PIPE, text=True
    )
    session_id, reply_id = process.stdout.readline().split()
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    return session_id, reply_id


def test_a_reply_whose_process_was_killed_mid_stream_is_kept_as_incomplete_with_the_question(workspace_file):
    session_id, reply_id = stream_then_kill(workspace_file)
    with open_store(workspace_file) as store:
        question, reply = store.get_session(session_id).messages
    assert (question.role, question.content, question.status) == ("user", "the question", "complete")
    assert (reply.id, reply.content, reply.status) == (reply_id, "the first half", "incomplete")
    with sqlite3.connect(workspace_file) as conn:  # the file itself says so, for any reader
        [(status,)] = conn.execute("SELECT status FROM messages WHERE id = ?", (reply_id,)).fetchall()
    conn.close()
    assert status == "incomplete"


def test_an_open_store_announces_a_reply_whose_writer_died_as_updated(shared_location):
    with open_store(shared_location) as watcher:
        session_id, reply_id = stream_then_kill(shared_location)
        [stopped] = updates(watcher.poll())
    assert (stopped.session_id, stopped.message.id, stopped.message.status) == (session_id, reply_id, "incomplete")


def test_a_reply_streamed_by_a_live_process_reads_as_streaming_elsewhere(shared_location):
    with open_store(shared_location) as writer, open_store(shared_location) as reader:
        session = writer.create_session()
        begun = writer.begin_message(session.id)
        assert reader.get_message(session.id, begun.id).status == "streaming"


def test_a_slow_reply_keeps_its_heartbeat_fresh_while_nothing_streams(workspace_file, monkeypatch):
    monkeypatch.setattr(writers, "HEARTBEAT_INTERVAL", timedelta(seconds=FLUSH_INTERVAL))
    monkeypatch.setattr("codex_jupyter.streams.HEARTBEAT_INTERVAL", timedelta(seconds=FLUSH_INTERVAL))
    with open_store(workspace_file) as store:
        begun = store.begin_message(store.create_session().id)
        first = heartbeat_of(workspace_file, begun.id)
        wait_for(lambda: heartbeat_of(workspace_file, begun.id) != first, "a renewed heartbeat")
        store.finish_message(begun.id)


def heartbeat_of(path: Path, message_id: str) -> str:
    with sqlite3.connect(path) as conn:
        [(heartbeat,)] = conn.execute("SELECT heartbeat_at FROM messages WHERE id = ?", (message_id,)).fetchall()
    conn.close()
    return heartbeat


# -- telling a dead writer from a live one ---------------------------------------------------------

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)


def a_dead_pid() -> int:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(finished.stdout)


def test_a_writer_on_this_host_whose_process_ended_has_stopped_at_once():
    assert writers.has_stopped(f"{a_dead_pid()}@{writers.this_writer().partition('@')[2]}", NOW, NOW)


def test_a_writer_whose_process_is_a_zombie_has_stopped():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    wait_for(lambda: Path(f"/proc/{child.pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z", "a zombie")
    try:
        assert writers.has_stopped(f"{child.pid}@{writers.this_writer().partition('@')[2]}", NOW, NOW)
    finally:
        child.wait()


def test_this_process_has_not_stopped():
    assert not writers.has_stopped(writers.this_writer(), NOW, NOW)


def test_a_writer_on_another_host_is_alive_while_its_heartbeat_is_fresh():
    assert not writers.has_stopped("4242@another-host", NOW - timedelta(seconds=5), NOW)
    assert writers.has_stopped("4242@another-host", NOW - writers.STALE_AFTER - timedelta(seconds=1), NOW)


def test_a_reply_with_a_stale_heartbeat_reads_as_incomplete(workspace_file):
    with open_store(workspace_file) as store:
        session = store.create_session()
        begun = store.begin_message(session.id)
        stale = (datetime.now(timezone.utc) - writers.STALE_AFTER - timedelta(seconds=1)).isoformat()
        with sqlite3.connect(workspace_file) as conn:  # as a writer on another host that went silent would leave it
            conn.execute("UPDATE messages SET writer = '1@elsewhere', heartbeat_at = ? WHERE id = ?", (stale, begun.id))
        conn.close()
        assert store.get_message(session.id, begun.id).status == "incomplete"


# -- the schema step --------------------------------------------------------------------------------


def test_messages_written_before_replies_streamed_read_as_complete_after_the_migration(tmp_path):
    fixture = Path(__file__).with_name("fixtures") / "workspace-v1.sqlite3"
    path = tmp_path / fixture.name
    path.write_bytes(fixture.read_bytes())
    with open_store(path) as store:
        messages = [message for session in store.get_sessions() for message in session.messages]
    assert messages and {(message.status, message.error) for message in messages} == {("complete", None)}
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.latest_version()
    conn.close()


def test_a_message_inserted_as_the_previous_version_does_reads_as_complete(workspace_file):
    with open_store(workspace_file) as store:
        session = store.create_session()
    with sqlite3.connect(workspace_file) as conn:  # the columns of version 1 only, as its code writes them
        conn.execute(
            "INSERT INTO messages (session_id, position, id, role, content, timestamp) VALUES (?, 0, ?, ?, ?, ?)",
            (session.id, "old-writer", "user", "from an older kernel", datetime.now(timezone.utc).isoformat()),
        )
    conn.close()
    with open_store(workspace_file) as store:
        assert store.get_message(session.id, "old-writer").status == "complete"


def test_a_streamed_reply_and_other_writes_from_several_threads_all_arrive(shared_location):
    with open_store(shared_location) as store:
        session = store.create_session()
        begun = store.begin_message(session.id)

        def say(n: int) -> None:
            for i in range(20):
                store.add_message(session.id, role="user", content=f"{n}-{i}")

        others = [threading.Thread(target=say, args=(n,)) for n in range(3)]
        for thread in others:
            thread.start()
        for i in range(300):
            store.append_to_message(begun.id, f"{i},")
        for thread in others:
            thread.join()
        finished = store.finish_message(begun.id)
    with open_store(shared_location) as reopened:
        messages = list(reopened.get_session(session.id).messages)
    assert len(messages) == 61
    assert messages[0].content == finished.content == "".join(f"{i}," for i in range(300))
