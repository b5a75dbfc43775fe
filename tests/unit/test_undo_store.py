"""The undo history file: versioned, validated on read, never silently reset, filed by cluster."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from meshtui.services.undo import ObjectChange, UndoEntry, UndoStore


def entry(weight: int) -> UndoEntry:
    return UndoEntry(at=1.0, action="SetWeights", objects=[ObjectChange(
        kind="VirtualService", name="catalog", existed=True, before={"w": weight - 1}, after={"w": weight},
        uid="u1", resource_version=str(weight))])


def test_entries_are_filed_by_cluster_identity_not_by_name(tmp_path: Path) -> None:
    path = tmp_path / "undo.json"
    a = UndoStore("uid:aaa", "meshtui-sim http://127.0.0.1:1", path)
    b = UndoStore("uid:bbb", "meshtui-sim http://127.0.0.1:2", path)
    a.push("shop", "catalog", entry(1))
    assert a.depth("shop", "catalog") == 1 and b.peek("shop", "catalog") is None
    b.push("shop", "catalog", entry(5))
    data = json.loads(path.read_text())
    assert data["schema_version"] == 2 and set(data["clusters"]) == {"uid:aaa", "uid:bbb"}
    assert data["clusters"]["uid:bbb"]["label"] == "meshtui-sim http://127.0.0.1:2"
    assert [e.objects[0].after for e in (a.peek("shop", "catalog"), b.peek("shop", "catalog")) if e] == \
        [{"w": 1}, {"w": 5}]


@pytest.mark.parametrize(("content", "why"), [
    (b'{"schema_version": 2, "clusters": {"uid:a": {"label": "x", "hosts": {"shop/catalog": [{"at": 1}]}}}}',
     "is malformed"),
    (b'{"meshtui-sim": {"shop/catalog": [{"vs": null}]}}', "older meshtui"),
    (b'{"schema_version": 9}', "schema version 9"),
    (b'{"schema_version": 2, "clus', "is not JSON"),
    (b"\x00\xff garbage", "is not JSON"),
])
def test_an_unreadable_file_is_moved_aside_with_a_notice(tmp_path: Path, content: bytes, why: str) -> None:
    path = tmp_path / "undo.json"
    path.write_bytes(content)
    store = UndoStore("uid:a", "ctx", path)
    assert store.depth("shop", "catalog") == 0
    notices = store.take_notices()
    assert len(notices) == 1 and why in notices[0] and "moved it to" in notices[0]
    aside = list(tmp_path.glob("undo.json.unreadable-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == content  # kept, byte for byte
    store.push("shop", "catalog", entry(2))
    assert store.depth("shop", "catalog") == 1 and store.take_notices() == []


def test_pop_only_removes_the_entry_it_was_given(tmp_path: Path) -> None:
    store = UndoStore("uid:a", "ctx", tmp_path / "undo.json")
    store.push("shop", "catalog", entry(1))
    first = store.peek("shop", "catalog")
    store.push("shop", "catalog", entry(2))  # another process pushed meanwhile
    assert first is not None
    store.pop("shop", "catalog", first)
    assert store.depth("shop", "catalog") == 2
    newest = store.peek("shop", "catalog")
    assert newest is not None
    store.pop("shop", "catalog", newest)
    assert store.depth("shop", "catalog") == 1


def test_concurrent_writers_do_not_lose_entries(tmp_path: Path) -> None:
    path = tmp_path / "undo.json"

    def push_many(n: int) -> None:
        store = UndoStore("uid:a", "ctx", path)
        for i in range(10):
            store.push("shop", f"host{n}", entry(i + 1))
    threads = [threading.Thread(target=push_many, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    store = UndoStore("uid:a", "ctx", path)
    assert [store.depth("shop", f"host{n}") for n in range(4)] == [10, 10, 10, 10]
