"""The file formats; .chat files are checked against the real jupyterlab-chat package (its YChat model)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pytest
from chat_files import DELETED, load_chat, make_chat, sent_at

from codex_jupyter import ChatMessage, ChatSession, InvalidInputError
from codex_jupyter.formats import format_for, parse, read_file, write

AT = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone.utc)


def a_session(**fields) -> ChatSession:
    messages = [
        ChatMessage("m1", "system", "Answer briefly.", AT),
        ChatMessage("m2", "user", "Why does my groupby drop NaN keys?", AT.replace(second=16)),
        ChatMessage("m3", "assistant", "Pass `dropna=False`.", AT.replace(second=17, microsecond=999999)),
    ]
    return ChatSession(**{"id": "s1", "messages": messages, "created_at": AT, "updated_at": AT, "title": "t", **fields})


# -- jupyterlab-chat's .chat files -------------------------------------------------------------


def test_a_chat_written_by_jupyterlab_chat_reads_with_roles_order_and_timestamps():
    chat = make_chat()
    [session] = parse(chat.get(), name="groupby.chat").sessions
    kept = [m for i, m in enumerate(chat.get_messages()) if i != DELETED]
    assert [(m.role, m.content) for m in session.messages] == [
        ("user", "Why does my groupby drop NaN keys?"),
        ("assistant", "Pass `dropna=False` to keep them."),
        ("user", "Thanks!"),
    ]
    assert [m.timestamp for m in session.messages] == [sent_at(m.time) for m in kept]
    assert [m.id for m in session.messages] == [m.id for m in kept]


def test_messages_deleted_in_the_chat_are_left_out_and_counted():
    parsed = parse(make_chat().get())
    assert parsed.skipped == 1
    assert "never mind this one" not in [m.content for m in parsed.sessions[0].messages]


def test_a_chat_becomes_a_session_titled_after_its_file_with_the_chats_id():
    chat = make_chat()
    [session] = parse(chat.get(), name="groupby questions.chat").sessions
    assert session.title == "groupby questions"
    assert session.id == chat.get_id()
    assert session.created_at == session.messages[0].timestamp
    assert session.updated_at == session.messages[-1].timestamp


def test_a_file_name_too_long_for_a_title_is_cut_to_the_longest_title():
    [session] = parse(make_chat().get(), name=f"{'x' * 250}.chat").sessions
    assert session.title == "x" * 200


def test_a_sender_that_is_a_persona_but_not_among_the_users_is_the_assistant():
    chat = json.loads(make_chat().get())
    chat["users"] = {}
    roles = [m.role for m in parse(json.dumps(chat)).sessions[0].messages]
    assert roles == ["user", "assistant", "user"]


def test_a_session_written_as_chat_loads_into_jupyterlab_chats_model_with_the_same_messages():
    session = a_session()
    chat = load_chat(write([session], "chat"))
    messages = chat.get_messages()
    assert [m.body for m in messages] == [m.content for m in session.messages]
    assert [m.id for m in messages] == [m.id for m in session.messages]
    assert [sent_at(m.time) for m in messages] == [m.timestamp for m in session.messages]
    users = chat.get_users()
    assert [users[m.sender].bot for m in messages] == [True, False, True]
    assert chat.get_id() == session.id


def test_a_session_round_trips_through_a_chat_file_with_its_roles_and_times():
    session = a_session()
    [back] = parse(load_chat(write([session], "chat")).get(), name="t.chat").sessions
    assert back.messages == session.messages
    assert back.id == session.id


def test_several_sessions_are_refused_as_one_chat_file():
    with pytest.raises(InvalidInputError, match=re.escape("a .chat file holds one session, not 2")):
        write([a_session(), a_session(id="s2")], "chat")


# -- codex-jupyter's JSON ------------------------------------------------------------------------


def test_a_json_export_reads_back_as_the_same_sessions():
    sessions = [a_session(), a_session(id="s2", title=None, messages=())]
    parsed = parse(write(sessions, "json"))
    assert parsed.format == "json"
    assert list(parsed.sessions) == sessions


def test_markdown_holds_each_message_as_stored():
    text = write([a_session()], "md")
    assert "## system · 2026-03-01 09:30:15 UTC\n\nAnswer briefly." in text
    assert "Pass `dropna=False`." in text


@pytest.mark.parametrize(
    ("path", "format"), [("a.json", "json"), ("a.CHAT", "chat"), ("a.md", "md"), ("a.txt", "md"), (None, "md")]
)
def test_the_format_follows_the_files_suffix(path, format):
    assert format_for(path) == format


# -- bad input ------------------------------------------------------------------------------------


def chat_with(**message) -> str:
    return json.dumps({"messages": [{"id": "x", "sender": "a", **message}], "users": {}})


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("not json at all", "not JSON"),
        ("[1, 2]", "neither a codex-jupyter JSON export"),
        ('{"cells": []}', "neither a codex-jupyter JSON export"),
        (chat_with(time=1.0), "message 0 has no 'body'"),
        (chat_with(body="hi"), "message 0 has no 'time'"),
        (chat_with(body="hi", time="yesterday"), "'time' must be a number of seconds"),
        (chat_with(body="hi", time=1e300), "out of the range of dates"),
        (chat_with(body=3, time=1.0), "'body' must be text"),
        ('{"messages": {}, "users": {}}', "'messages' must be a list"),
        ('{"messages": [], "users": []}', "'users' must be an object"),
        ('{"format": 2, "sessions": []}', "format 2, newer than this codex-jupyter reads"),
        ('{"format": 1, "sessions": {}}', "'sessions' must be a list"),
        ('{"format": 1, "sessions": [{"id": "s"}]}', "session 0: session is missing the field 'messages'"),
        ('{"format": 1, "sessions": [[]]}', "session 0 must be an object"),
    ],
)
def test_bad_input_is_refused_naming_what_is_wrong(text, named):
    with pytest.raises(InvalidInputError, match=re.escape(named)):
        parse(text)


def test_a_bad_file_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "notes.chat"
    path.write_text(chat_with(body="hi"))
    with pytest.raises(InvalidInputError, match=re.escape(f"cannot import {path}: message 0 has no 'time'")):
        read_file(path)
