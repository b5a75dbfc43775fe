"""Hostile content for every free-text field meshtui shows, written to a simulated cluster over plain HTTP.

A real API server keeps whatever a client writes into free-text fields (an Event's reason and message, a
node's status, annotations, a pod's status message, a log line, a VirtualService's header values and route
names), and a kubeconfig or a user tour file is whatever its author typed. Names themselves cannot carry
escapes (the API server and the simulator reject them), so the attack surface is these fields.

`HOSTILE` holds an OSC 0 (retitles the terminal), a CSI clear, a bell, an OSC 8 hyperlink, C1 controls (CSI, NEL,
OSC), a bidi override and isolate, a line separator and Textual markup. A display is safe when none of the raw
characters reaches it and the markup shows as typed. `poison()` also makes one pod whose image, container states
and status carry it, as a kubelet that reports a runtime's free text would.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml

RAW = ("\x1b", "\x07", "\x9b", "\x85", "\x9d", "\u202e", "\u2066", "\u2069", "\u2028")
MARKUP = "[bold red]boom[/]"
LINK = "\x1b]8;;http://evil\x1b\\"  # OSC 8: what follows is a hyperlink to http://evil
HOSTILE = (f"\x1b]0;PWNED\x07{MARKUP}\x1b[2J\x9b1m\u202eevil{LINK}click\x1b]8;;\x1b\\"
           "\x85nel\x9d0;osc\x07\u2066isolated\u2069\u2028sep")
VISIBLE = "PWNED"  # what must still show (made inert, not dropped)


_OWN_COLOURS = re.compile(r"\x1b\[[0-9;]*m")  # SGR: meshtui's own colours on a terminal (HOSTILE has none)


def leaks(text: str) -> list[str]:
    """The raw control characters of HOSTILE found in `text` (empty when it is safe); meshtui's own SGR colour
    codes are allowed, any other escape (HOSTILE's OSC 0, OSC 8 and CSI 2J) is a leak."""
    text = _OWN_COLOURS.sub("", text)
    return [repr(ch) for ch in RAW if ch in text]


def call(url: str, method: str, path: str, body: object, ctype: str = "application/json") -> dict:
    request = urllib.request.Request(url + path, data=json.dumps(body).encode(), method=method,
                                     headers={"Content-Type": ctype})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise AssertionError(f"{method} {path}: {exc.code} {exc.read()[:300]!r}") from None


def get(url: str, path: str) -> dict:
    with urllib.request.urlopen(url + path, timeout=30) as response:
        return json.loads(response.read())


def poison(url: str, namespace: str = "shop") -> dict[str, str]:
    """Write HOSTILE into every free-text field meshtui shows; returns the pod and node it used."""
    pods = get(url, f"/api/v1/namespaces/{namespace}/pods?labelSelector=app%3Dcatalog")["items"]
    pod = sorted(p["metadata"]["name"] for p in pods)[0]
    container = next(c["name"] for c in pods[0]["spec"]["containers"] if c["name"] != "istio-proxy")
    node = sorted(n["metadata"]["name"] for n in get(url, "/api/v1/nodes")["items"])[0]
    merge = "application/merge-patch+json"
    call(url, "POST", f"/api/v1/namespaces/{namespace}/events", {
        "apiVersion": "v1", "kind": "Event", "metadata": {"name": "hostile.1", "namespace": namespace},
        "involvedObject": {"kind": "Pod", "name": pod, "namespace": namespace},
        "reason": f"Evil{HOSTILE}", "message": f"mount failed [/var/lib/kubelet/pods] {HOSTILE}",
        "type": "Warning", "count": 3, "source": {"component": HOSTILE}})
    call(url, "PATCH", f"/api/v1/nodes/{node}/status", {"status": {
        "nodeInfo": {"kubeletVersion": f"v1.32.2{HOSTILE}", "osImage": HOSTILE, "containerRuntimeVersion": HOSTILE}}},
        merge)
    call(url, "PATCH", f"/api/v1/namespaces/{namespace}/pods/{pod}", {"metadata": {"annotations": {
        "hostile": HOSTILE}}}, merge)
    call(url, "POST", "/_sim/log", {"namespace": namespace, "pod": pod, "container": container,
                                     "lines": [f"GET /hostile {HOSTILE}", json.dumps({"msg": HOSTILE, "level": "error"})]})
    vs = get(url, f"/apis/networking.istio.io/v1/namespaces/{namespace}/virtualservices/catalog")
    http = vs["spec"].setdefault("http", [])
    http.insert(0, {"name": f"hostile{HOSTILE}", "match": [{"headers": {"x-user": {"exact": HOSTILE}}}],
                    "route": [{"destination": {"host": http[-1]["route"][0]["destination"]["host"],
                                               "subset": http[-1]["route"][0]["destination"].get("subset", "v1")}}]})
    call(url, "PUT", f"/apis/networking.istio.io/v1/namespaces/{namespace}/virtualservices/catalog", vs)
    node_obj = get(url, f"/api/v1/nodes/{node}")
    conditions = [{**c, "message": f"{c.get('message', '')}{HOSTILE}"} for c in node_obj["status"]["conditions"]]
    call(url, "PATCH", f"/api/v1/nodes/{node}/status", {"status": {"conditions": conditions}}, merge)
    return {"pod": pod, "node": node, "container": container, "hostile_pod": hostile_pod(url, namespace)}


HOSTILE_POD = "hostile"


def _ready(pod: dict) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in pod.get("status", {}).get("conditions", []))


def hostile_pod(url: str, namespace: str = "shop") -> str:
    """A pod whose image, container waiting/terminated reasons and messages and pod reason/message are HOSTILE.

    A real kubelet copies a runtime's reasons and messages (and the image string as written) into the pod's
    status, and the API server keeps them as they are."""
    path = f"/api/v1/namespaces/{namespace}/pods/{HOSTILE_POD}"
    call(url, "POST", f"/api/v1/namespaces/{namespace}/pods", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": HOSTILE_POD, "namespace": namespace,
                                                        "labels": {"app": HOSTILE_POD}, "annotations": {"note": HOSTILE}},
        "spec": {"containers": [{"name": "app", "image": f"registry.local/evil:1{HOSTILE}"}]}})
    deadline = time.monotonic() + 60
    while not _ready(pod := get(url, path)):
        assert time.monotonic() < deadline, f"the hostile pod never turned Ready: {pod.get('status')}"
        time.sleep(0.05)
    statuses = []
    for cs in pod["status"]["containerStatuses"]:
        if cs["name"] == "app":
            cs = {**cs, "ready": False, "restartCount": 2,
                  "state": {"waiting": {"reason": f"Crash{HOSTILE}", "message": HOSTILE}},
                  "lastState": {"terminated": {"reason": f"Oom{HOSTILE}", "message": HOSTILE, "exitCode": 137,
                                               "startedAt": pod["status"]["startTime"],
                                               "finishedAt": pod["status"]["startTime"]}}}
        statuses.append(cs)
    call(url, "PATCH", f"{path}/status", {"status": {"reason": f"Evicted{HOSTILE}", "message": HOSTILE,
                                                     "containerStatuses": statuses}},
         "application/merge-patch+json")
    return HOSTILE_POD


def hostile_kubeconfig(source: Path, target: Path) -> str:
    """A copy of `source` whose current context, cluster and user names are HOSTILE (same server)."""
    config = yaml.safe_load(source.read_text())
    name = f"ctx{HOSTILE}"
    for section in ("contexts", "clusters", "users"):
        for entry in config.get(section, []):
            entry["name"] = name
    for entry in config["contexts"]:
        entry["context"]["cluster"] = name
        entry["context"]["user"] = name
    config["current-context"] = name
    target.write_text(yaml.safe_dump(config))
    return name


def hostile_tour(config_home: Path) -> None:
    """A user tour whose title, summary, step titles, texts and hints are HOSTILE (two steps: the first is done on
    the Overview, the second on the Logs panel, so both "next step" and "finished" notices name them)."""
    tours = config_home / "meshtui" / "tours"
    tours.mkdir(parents=True, exist_ok=True)
    (tours / "hostile.yaml").write_text(yaml.safe_dump({
        "title": f"Tour{HOSTILE}", "summary": HOSTILE, "steps": [{
            "id": "one", "title": f"Step{HOSTILE}", "panel": "overview", "text": HOSTILE, "hint": HOSTILE,
            "done_when": {"panel_shown": "overview"}}, {
            "id": "two", "title": f"Next{HOSTILE}", "panel": "logs", "text": HOSTILE, "hint": HOSTILE,
            "done_when": {"panel_shown": "logs"}}]}, allow_unicode=True))
