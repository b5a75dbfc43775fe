"""Hostile content for every free-text field meshtui shows, written to a simulated cluster over plain HTTP.

A real API server keeps whatever a client writes into free-text fields (an Event's reason and message, a
node's status, annotations, a pod's status message, a log line, a VirtualService's header values and route
names), and a kubeconfig or a user tour file is whatever its author typed. Names themselves cannot carry
escapes (the API server and the simulator reject them), so the attack surface is these fields.

`HOSTILE` holds an OSC 0 (retitles the terminal), a CSI clear, a bell, a C1 CSI, a bidi override and Textual
markup. A display is safe when none of the raw characters reaches it and the markup shows as typed.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import yaml

RAW = ("\x1b", "\x07", "\x9b", "\u202e")
MARKUP = "[bold red]boom[/]"
HOSTILE = f"\x1b]0;PWNED\x07{MARKUP}\x1b[2J\x9b1m\u202eevil"
VISIBLE = "PWNED"  # what must still show (made inert, not dropped)


_OWN_COLOURS = re.compile(r"\x1b\[[0-9;]*m")  # SGR: meshtui's own colours on a terminal (HOSTILE has none)


def leaks(text: str) -> list[str]:
    """The raw control characters of HOSTILE found in `text` (empty when it is safe); meshtui's own SGR colour
    codes are allowed, any other escape (HOSTILE's OSC 0 and CSI 2J) is a leak."""
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
    return {"pod": pod, "node": node, "container": container}


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
    """A user tour whose title, summary, step title, text and hint are HOSTILE."""
    tours = config_home / "meshtui" / "tours"
    tours.mkdir(parents=True, exist_ok=True)
    (tours / "hostile.yaml").write_text(yaml.safe_dump({
        "title": f"Tour{HOSTILE}", "summary": HOSTILE, "steps": [{
            "id": "one", "title": f"Step{HOSTILE}", "panel": "overview", "text": HOSTILE, "hint": HOSTILE,
            "done_when": {"panel_shown": "overview"}}]}, allow_unicode=True))
