"""Lists in pages (`limit`/`continue`) over HTTP, as the API server serves them: one snapshot per list.

Raw HTTP for the wire details (tokens, 400/410 Status bodies, Tables), the official client for
custom resources, real kubectl for its chunked `get`, and the product's own lister.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest
from kubernetes import client

from meshtui.sim import SimCluster
from tests.conftest import require
from tests.sim.conftest import SimFactory, api_client

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io"


def call(sim: SimCluster, path: str, query: dict[str, Any] | None = None, method: str = "GET", body: Any = None,
         accept: str = "application/json") -> tuple[int, dict]:
    url = sim.url + path + ("?" + urllib.parse.urlencode(query) if query else "")
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Accept": accept, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def get(sim: SimCluster, path: str, **query: Any) -> dict:
    status, data = call(sim, path, query)
    assert status == 200, data
    return data


def pages(sim: SimCluster, path: str, accept: str = "application/json", **query: Any) -> list[dict]:
    """Every page of a list, following `continue`."""
    out: list[dict] = []
    token = None
    while True:
        status, data = call(sim, path, {**query, **({"continue": token} if token else {})}, accept=accept)
        assert status == 200, data
        out.append(data)
        token = data["metadata"].get("continue")
        if not token:
            return out


def keys(items: list[dict]) -> list[tuple[str, str]]:
    return [(i["metadata"].get("namespace", ""), i["metadata"]["name"]) for i in items]


@pytest.fixture
def loaded(sim_factory: SimFactory) -> SimCluster:
    """A sim with 20 more ready pods in namespace `load` (load-00000 ... load-00019)."""
    sim = sim_factory()
    status, data = call(sim, "/_sim/pods", method="POST", body={"namespace": "load", "pods": 20})
    assert status == 200 and data["pods"] == 20
    return sim


def test_pages_concatenate_to_the_unpaged_list_in_key_order_at_one_version(loaded: SimCluster) -> None:
    whole = get(loaded, "/api/v1/namespaces/load/pods")
    assert len(whole["items"]) == 20 and "continue" not in whole["metadata"]
    got = pages(loaded, "/api/v1/namespaces/load/pods", limit=7)
    assert [len(p["items"]) for p in got] == [7, 7, 6]
    assert [p["metadata"].get("remainingItemCount") for p in got] == [13, 6, None]
    assert {p["metadata"]["resourceVersion"] for p in got} == {got[0]["metadata"]["resourceVersion"]}
    joined = [i for p in got for i in p["items"]]
    assert keys(joined) == keys(whole["items"]) == sorted(keys(whole["items"]))
    assert joined == whole["items"]
    everything = get(loaded, "/api/v1/pods")
    cluster_wide = [i for p in pages(loaded, "/api/v1/pods", limit=7) for i in p["items"]]
    assert keys(cluster_wide) == keys(everything["items"]) == sorted(keys(everything["items"]))
    assert len(cluster_wide) > 20
    for no_limit in ({}, {"limit": 0}):  # limit=0 or none: all at once
        assert "continue" not in get(loaded, "/api/v1/namespaces/load/pods", **no_limit)["metadata"]


def test_later_pages_come_from_the_first_pages_snapshot(loaded: SimCluster) -> None:
    before = get(loaded, "/api/v1/namespaces/load/pods")
    first = get(loaded, "/api/v1/namespaces/load/pods", limit=7)
    late = {"metadata": {"name": "load-zzz-late"}, "spec": {"containers": [{"name": "app", "image": "load:v1"}]}}
    assert call(loaded, "/api/v1/namespaces/load/pods", method="POST", body=late)[0] == 201
    assert call(loaded, "/api/v1/namespaces/load/pods/load-00015", method="DELETE")[0] == 200  # Terminating
    assert call(loaded, "/api/v1/namespaces/load/pods/load-00016?gracePeriodSeconds=0", method="DELETE")[0] == 200
    rest = pages(loaded, "/api/v1/namespaces/load/pods", limit=7, **{"continue": first["metadata"]["continue"]})
    joined = first["items"] + [i for p in rest for i in p["items"]]
    assert keys(joined) == keys(before["items"])  # the new pod is absent, the deleted ones still there
    assert {p["metadata"]["resourceVersion"] for p in [first, *rest]} == {first["metadata"]["resourceVersion"]}
    terminating = next(i for i in joined if i["metadata"]["name"] == "load-00015")
    assert "deletionTimestamp" not in terminating["metadata"]  # as it was at the first page's version
    now = {i["metadata"]["name"]: i for i in get(loaded, "/api/v1/namespaces/load/pods")["items"]}
    assert "load-zzz-late" in now and "load-00016" not in now
    assert "load-00015" not in now or now["load-00015"]["metadata"]["deletionTimestamp"]


def test_an_expired_token_gets_410_expired_with_a_token_for_the_rest(loaded: SimCluster) -> None:
    first = get(loaded, "/api/v1/namespaces/load/pods", limit=7)
    assert call(loaded, "/api/v1/namespaces/load/configmaps", method="POST",
                body={"metadata": {"name": "a-write"}, "data": {}})[0] == 201
    assert call(loaded, "/_sim/compact", method="POST", body={})[0] == 200  # as etcd compaction does
    status, body = call(loaded, "/api/v1/namespaces/load/pods", {"limit": 7, "continue": first["metadata"]["continue"]})
    assert status == 410, body
    assert body["kind"] == "Status" and body["reason"] == "Expired" and body["code"] == 410
    assert "too old to display a consistent list result" in body["message"]
    rest = pages(loaded, "/api/v1/namespaces/load/pods", limit=7, **{"continue": body["metadata"]["continue"]})
    assert keys(first["items"] + [i for p in rest for i in p["items"]]) == \
        keys(get(loaded, "/api/v1/namespaces/load/pods")["items"])  # the inconsistent remainder, read now


def test_the_token_lifetime_is_configurable(sim_factory: SimFactory) -> None:
    sim = sim_factory(continue_lifetime=0.0)
    first = get(sim, "/api/v1/pods", limit=3)
    status, body = call(sim, "/api/v1/pods", {"limit": 3, "continue": first["metadata"]["continue"]})
    assert status == 410 and body["reason"] == "Expired"


def test_only_the_newest_sixteen_snapshots_are_kept(loaded: SimCluster) -> None:
    tokens = []
    for i in range(17):  # 17 lists, each at its own version
        tokens.append(get(loaded, "/api/v1/namespaces/load/pods", limit=7)["metadata"]["continue"])
        assert call(loaded, "/api/v1/namespaces/load/configmaps", method="POST",
                    body={"metadata": {"name": f"write-{i}"}, "data": {}})[0] == 201
    assert call(loaded, "/api/v1/namespaces/load/pods", {"limit": 7, "continue": tokens[0]})[0] == 410
    assert call(loaded, "/api/v1/namespaces/load/pods", {"limit": 7, "continue": tokens[1]})[0] == 200


def test_a_malformed_token_gets_400(loaded: SimCluster) -> None:
    token = get(loaded, "/api/v1/namespaces/load/pods", limit=7)["metadata"]["continue"]
    for bad in ("garbage", "!!!", "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MCwic3RhcnQiOiJ4In0",  # rv 0
                "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NSwic3RhcnQiOiIuLi94In0"):  # start "../x"
        status, body = call(loaded, "/api/v1/namespaces/load/pods", {"limit": 7, "continue": bad})
        assert status == 400 and body["reason"] == "BadRequest", body
        assert body["message"].startswith("invalid continue token: continue key is not valid")
    status, body = call(loaded, "/api/v1/namespaces/load/pods", {"limit": 7, "continue": token,
                                                                   "resourceVersion": "5"})
    assert status == 400 and "not allowed when using continue" in body["message"]
    status, body = call(loaded, "/api/v1/namespaces/load/pods", {"limit": "many"})
    assert status == 400 and body["reason"] == "BadRequest"


def test_tables_and_selectors_page_too(loaded: SimCluster) -> None:
    whole = get(loaded, "/api/v1/pods", labelSelector="app=load,version=v1")
    assert len(whole["items"]) == 7
    got = pages(loaded, "/api/v1/pods", limit=3, labelSelector="app=load,version=v1")
    assert keys([i for p in got for i in p["items"]]) == keys(whole["items"])
    assert all("remainingItemCount" not in p["metadata"] for p in got)  # unknown with a selector
    rows = [r for p in pages(loaded, "/api/v1/namespaces/load/pods", accept=TABLE, limit=6) for r in p["rows"]]
    _, table = call(loaded, "/api/v1/namespaces/load/pods", accept=TABLE)
    assert [r["cells"][0] for r in rows] == [r["cells"][0] for r in table["rows"]] == [f"load-{i:05d}"
                                                                                       for i in range(20)]
    first = call(loaded, "/api/v1/namespaces/load/pods", {"limit": 6}, accept=TABLE)[1]
    assert first["kind"] == "Table" and first["metadata"]["continue"] and len(first["rows"]) == 6


def test_custom_resources_page_through_the_official_client(loaded: SimCluster) -> None:
    api = client.CustomObjectsApi(api_client(loaded))
    for i in range(5):
        api.create_namespaced_custom_object("networking.istio.io", "v1", "load", "destinationrules", {
            "apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
            "metadata": {"name": f"dr-{i}", "namespace": "load"}, "spec": {"host": f"h{i}"}})
    names, token, versions, requests = [], None, set(), 0
    while True:
        requests += 1
        page = api.list_namespaced_custom_object("networking.istio.io", "v1beta1", "load", "destinationrules",
                                                 limit=2, _continue=token)
        names += [o["metadata"]["name"] for o in page["items"]]
        versions.add(page["metadata"]["resourceVersion"])
        token = page["metadata"].get("continue")
        if not token:
            break
    assert names == [f"dr-{i}" for i in range(5)] and len(versions) == 1 and requests == 3


def test_kubectl_chunks_give_the_same_rows(loaded: SimCluster) -> None:
    require(shutil.which("kubectl") is not None, "kubectl is not installed")

    requests: list[str] = []

    def kubectl(*args: str) -> list[list[str]]:
        out = subprocess.run(["kubectl", "--kubeconfig", str(loaded.kubeconfig), "-v=6", *args], capture_output=True,
                             text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        requests.extend(line for line in out.stderr.splitlines() if "GET " in line and "/pods?" in line)
        return [line.split()[:5] for line in out.stdout.splitlines()]  # AGE left out: it moves on

    paged = kubectl("get", "pods", "-A", "--chunk-size=5")
    assert len(requests) == -(-len(paged[1:]) // 5) and all("continue=" in r for r in requests[1:])
    whole = kubectl("get", "pods", "-A", "--chunk-size=0")
    assert paged == whole and len(whole) > 25 and whole[0][:2] == ["NAMESPACE", "NAME"]
    names = ["--no-headers", "-o", "custom-columns=NS:.metadata.namespace,NAME:.metadata.name"]
    assert kubectl("get", "pods", "-A", "--chunk-size=5", *names) == kubectl("get", "pods", "-A", *names)


def test_the_products_lister_reads_every_page(loaded: SimCluster) -> None:
    from meshtui.adapters.kube import KubeClient
    from meshtui.services.listing import read_pages

    kube = KubeClient.connect(str(loaded.kubeconfig))

    class Counting:
        """Passes requests on to the product's client, counting them."""

        requests = 0

        def request(self, *args: Any, **kwargs: Any) -> Any:
            Counting.requests += 1
            return kube.request(*args, **kwargs)

    try:
        objects, version = read_pages(Counting(), "/api/v1/pods", {"labelSelector": None},  # type: ignore[arg-type]
                                      7, threading.Event())
        whole = kube.get("/api/v1/pods")
    finally:
        kube.close()
    assert keys(objects) == keys(whole["items"]) and len(objects) > 20
    assert Counting.requests == -(-len(objects) // 7)  # one request per page of 7
    assert version is not None and int(version) <= int(whole["metadata"]["resourceVersion"])
