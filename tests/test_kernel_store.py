"""The kernel's one store: opened on first use, switched by %codex_store, followed by its clients."""

from __future__ import annotations

import pytest

from codex_jupyter.kernel.store import KernelStore


@pytest.fixture
def holder(workspace_file, monkeypatch):
    monkeypatch.setenv("CODEX_JUPYTER_WORKSPACE", str(workspace_file))
    holder = KernelStore()
    yield holder
    holder.close()


def test_the_default_workspace_store_opens_on_first_use(holder, workspace_file):
    assert not holder.is_open
    assert holder.get().location == str(workspace_file)
    assert holder.get() is holder.get()


def test_switching_disposes_the_old_store_and_tells_the_followers(holder):
    old = holder.get()
    followed = []
    holder.on_did_replace(followed.append)
    new = holder.switch(":memory:")
    assert old.disposed
    assert followed == [new] and holder.get() is new


def test_a_disposed_follower_is_not_told(holder):
    followed = []
    holder.on_did_replace(followed.append).dispose()
    holder.switch(":memory:")
    assert followed == []


def test_after_close_the_next_use_opens_a_fresh_store(holder):
    first = holder.get()
    holder.close()
    assert first.disposed and not holder.is_open
    assert not holder.get().disposed
