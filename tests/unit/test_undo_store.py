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
    (b'{"schema_version": 1}', "schema version 1"),
    (b'{"schema_version": 2, "clusters": {"uid:a": {"hosts": {"shop/catalog": [{"at": 1, "objects": [{"before": '
     + b'{"a": ' * 70 + b'1' + b'}' * 70 + b'}]}]}}}}', "nested deeper than meshtui ever writes"),
    (b'[' * 200_000 + b']' * 200_000, "nested deeper than meshtui ever writes"),  # past json's recursion limit
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


def test_moved_aside_files_never_overwrite_each_other(tmp_path: Path) -> None:  # finding 21
    path = tmp_path / "undo.json"
    contents = [f"garbage {i}".encode() for i in range(5)]
    for content in contents:  # five corruptions within the same second
        path.write_bytes(content)
        store = UndoStore("uid:a", "ctx", path)
        assert store.depth("shop", "catalog") == 0
    aside = sorted(tmp_path.glob("undo.json.unreadable-*"))
    assert len(aside) == 5 and sorted(p.read_bytes() for p in aside) == sorted(contents)


def test_a_file_without_a_schema_version_is_not_called_an_older_meshtui(tmp_path: Path) -> None:  # finding 22
    path = tmp_path / "undo.json"
    path.write_text('{"version": 99}')
    store = UndoStore("uid:a", "ctx", path)
    store.depth("shop", "catalog")
    notice = store.take_notices()[0]
    assert "has no schema_version" in notice and "older meshtui" not in notice


@pytest.mark.parametrize("breakage", ["state dir is a file", "lock is a directory", "file is a directory"])
def test_an_unusable_history_is_an_error_naming_the_path_before_any_write(tmp_path: Path, breakage: str) -> None:
    from meshtui.services.undo import HistoryUnavailable  # finding 2

    if breakage == "state dir is a file":
        (tmp_path / "state").write_text("")
        path = tmp_path / "state" / "undo.json"
    else:
        path = tmp_path / "undo.json"
        (tmp_path / ("undo.json.lock" if breakage == "lock is a directory" else "undo.json")).mkdir()
    store = UndoStore("uid:a", "ctx", path)
    with pytest.raises(HistoryUnavailable) as info:
        store.check_writable()
    assert str(path.parent if breakage == "state dir is a file" else tmp_path) in info.value.message
    with pytest.raises(HistoryUnavailable):
        store.push("shop", "catalog", entry(1))


@pytest.mark.parametrize("found", [3, 99])
def test_a_history_from_a_newer_meshtui_is_refused_and_left_alone(tmp_path: Path, found: int) -> None:
    from meshtui.services.undo import HistoryFromNewer  # review-guard 8

    path = tmp_path / "undo.json"
    content = json.dumps({"schema_version": found, "clusters": {"uid:a": {"future": True}}}).encode()
    path.write_bytes(content)
    store = UndoStore("uid:a", "ctx", path)
    for operation in (store.check_writable, lambda: store.depth("shop", "catalog"),
                      lambda: store.push("shop", "catalog", entry(1))):
        with pytest.raises(HistoryFromNewer) as info:
            operation()
        assert info.value.exit_code == 2
        assert f"written by a newer meshtui (schema version {found}, this one reads 2)" in info.value.message
        assert str(path) in info.value.message and info.value.hint and "newer meshtui" in info.value.hint
    assert path.read_bytes() == content and list(tmp_path.glob("undo.json.unreadable-*")) == []


def test_a_file_bigger_than_meshtui_writes_is_moved_aside_unread(tmp_path: Path) -> None:
    from meshtui.services.undo import MAX_BYTES

    path = tmp_path / "undo.json"
    with path.open("wb") as f:
        f.truncate(MAX_BYTES + 1)  # sparse: no memory or disk spent
    store = UndoStore("uid:a", "ctx", path)
    assert store.depth("shop", "catalog") == 0
    notice = store.take_notices()[0]
    assert f"is {MAX_BYTES + 1} bytes, more than meshtui ever writes" in notice and "moved it to" in notice


def test_the_oldest_entries_beyond_the_limit_are_dropped(tmp_path: Path) -> None:
    from meshtui.services.undo import LIMIT

    store = UndoStore("uid:a", "ctx", tmp_path / "undo.json")
    for i in range(LIMIT + 5):
        store.push("shop", "catalog", entry(i + 1))
    assert store.depth("shop", "catalog") == LIMIT
    newest = store.peek("shop", "catalog")
    assert newest is not None and newest.objects[0].after == {"w": LIMIT + 5}
