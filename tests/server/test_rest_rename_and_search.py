"""Renaming sessions and searching them through the REST API of a real server."""

from __future__ import annotations

import pytest
import yaml

from codex_jupyter import ChangeKind
from codex_jupyter.server.events import SCHEMA_FILE

pytestmark = pytest.mark.usefixtures("jp_serverapp")


async def create(api, title: str | None = None, *messages: str) -> dict:
    session = (await api("POST", "sessions", {"title": title})).data
    for content in messages:
        await api("POST", f"sessions/{session['id']}/messages", {"role": "user", "content": content})
    return session


# -- rename ----------------------------------------------------------------------------------


async def test_patch_renames_a_session_and_returns_its_summary(api):
    session = await create(api, "first")
    reply = await api("PATCH", f"sessions/{session['id']}", {"title": "  groupby questions "})
    assert reply.status == 200
    assert (reply.data["id"], reply.data["title"]) == (session["id"], "groupby questions")
    assert reply.data["updated_at"] > session["updated_at"]
    assert (await api("GET", f"sessions/{session['id']}")).data["title"] == "groupby questions"


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"title": "   "}, "1 to 200 characters"),
        ({"title": "x" * 201}, "1 to 200 characters"),
        ({"title": None}, "cannot be renamed to no title"),
        ({"title": 7}, "title must be str"),
        ({}, "missing field(s) 'title'"),
        ({"title": "x", "scope": "a.ipynb"}, "unknown field(s) 'scope'"),
    ],
)
async def test_patch_with_a_bad_title_is_400_naming_what_was_wrong_and_changes_nothing(api, body, named):
    session = await create(api, "kept")
    reply = await api("PATCH", f"sessions/{session['id']}", body)
    assert reply.status == 400
    assert named in reply.data["message"]
    assert (await api("GET", f"sessions/{session['id']}")).data["title"] == "kept"


async def test_patch_of_an_unknown_session_is_404_naming_it(api):
    reply = await api("PATCH", "sessions/nope", {"title": "renamed"})
    assert reply.status == 404
    assert "'nope'" in reply.data["message"]


# -- search ----------------------------------------------------------------------------------


async def test_search_returns_hits_best_first_with_snippets_and_highlights(api):
    session = await create(api, "pandas", "a longer message, with one groupby in it", "groupby, or groupby?")
    reply = await api("GET", "search", params={"q": "groupby"})
    assert reply.status == 200
    hits = reply.data["hits"]
    assert [hit["snippet"] for hit in hits] == ["groupby, or groupby?", "a longer message, with one groupby in it"]
    assert hits[0]["rank"] > hits[1]["rank"]
    assert hits[0]["highlights"] == [[0, 7], [12, 19]]
    assert {(hit["session_id"], hit["session_title"], hit["role"]) for hit in hits} == {
        (session["id"], "pandas", "user")
    }


async def test_search_finds_titles_with_no_message_id(api):
    session = await create(api, "matplotlib questions")
    [hit] = (await api("GET", "search", params={"q": "matplot*"})).data["hits"]
    assert (hit["session_id"], hit["message_id"], hit["role"]) == (session["id"], None, None)
    assert hit["highlights"] == [[0, 10]]


async def test_search_can_be_narrowed_to_one_session_and_limited(api):
    await create(api, None, "groupby one", "groupby two")
    second = await create(api, None, "groupby three")
    narrowed = await api("GET", "search", params={"q": "groupby", "session_id": second["id"]})
    assert [hit["session_id"] for hit in narrowed.data["hits"]] == [second["id"]]
    assert len((await api("GET", "search", params={"q": "groupby"})).data["hits"]) == 3
    limited = await api("GET", "search", params={"q": "groupby", "limit": "2"})
    assert len(limited.data["hits"]) == 2


async def test_a_query_another_engine_would_reject_is_searched_as_words(api):
    await create(api, None, 'groupby or not, "NaN" is NaN')
    reply = await api("GET", "search", params={"q": 'groupby ("nan OR'})
    assert reply.status == 200
    assert len(reply.data["hits"]) == 1


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({}, "missing query parameter 'q'"),
        ({"q": "!!!"}, "holds no word"),
        ({"q": "groupby", "limit": "0"}, "'limit' must be between 1 and 200"),
        ({"q": "groupby", "limit": "many"}, "'limit' must be an integer"),
    ],
)
async def test_a_bad_search_is_400_naming_what_was_wrong(api, params, named):
    reply = await api("GET", "search", params=params)
    assert reply.status == 400
    assert named in reply.data["message"]


async def test_a_search_in_an_unknown_session_is_404(api):
    reply = await api("GET", "search", params={"q": "groupby", "session_id": "nope"})
    assert reply.status == 404
    assert "'nope'" in reply.data["message"]


def test_the_event_schema_names_every_kind_of_change_the_store_announces():
    schema = yaml.safe_load(SCHEMA_FILE.read_text())
    assert schema["properties"]["kind"]["enum"] == [kind.value for kind in ChangeKind]
