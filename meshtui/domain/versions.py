"""Parse the version output of the tools meshtui drives, and compare versions.

Each tool prints its version differently (`kind v0.24.0 go1.22 linux/amd64`,
`{"clientVersion": {"gitVersion": "v1.32.4"}}`, `client version: 1.24.0`,
`v3.16.2+g13654a5`); these pure parsers turn them into comparable tuples.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

Version = tuple[int, int, int]
_SEMVER = re.compile(r"v?(\d+)\.(\d+)(?:\.(\d+))?")


def parse_version(text: str) -> Version | None:
    """The first `X.Y[.Z]` in `text`, or None."""
    match = _SEMVER.search(text or "")
    if not match:
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


def format_version(version: Version | None) -> str:
    """`(1, 24, 0)` -> `1.24.0`."""
    return "unknown" if version is None else ".".join(map(str, version))


def _json_path(text: str, *keys: str) -> str | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data if isinstance(data, str) else None


def parse_kubectl(text: str) -> Version | None:
    """`kubectl version --client -o json`."""
    return parse_version(_json_path(text, "clientVersion", "gitVersion") or text)


def parse_kind(text: str) -> Version | None:
    """`kind version` -> `kind v0.24.0 go1.22.6 linux/amd64`."""
    match = re.search(r"kind\s+v?(\d+\.\d+\.\d+)", text)
    return parse_version(match.group(1)) if match else parse_version(text)


def parse_minikube(text: str) -> Version | None:
    """`minikube version -o json` -> `{"minikubeVersion": "v1.34.0", ...}`, or the plain text form."""
    found = _json_path(text, "minikubeVersion")
    if found:
        return parse_version(found)
    match = re.search(r"minikube version:\s*v?(\d+\.\d+\.\d+)", text)
    return parse_version(match.group(1)) if match else parse_version(text)


def parse_istioctl(text: str) -> Version | None:
    """`istioctl version --remote=false -o json` or `client version: 1.24.0`."""
    found = _json_path(text, "clientVersion", "version")
    if found:
        return parse_version(found)
    match = re.search(r"client version:\s*(\S+)", text)
    return parse_version(match.group(1)) if match else parse_version(text)


def parse_helm(text: str) -> Version | None:
    """`helm version --short` -> `v3.16.2+g13654a5`."""
    return parse_version(text)


@dataclass(frozen=True)
class ToolSpec:
    """How to ask a tool for its version and the oldest version meshtui supports."""

    name: str
    argv: tuple[str, ...]
    minimum: Version
    purpose: str


TOOLS: dict[str, ToolSpec] = {
    "kubectl": ToolSpec("kubectl", ("version", "--client", "-o", "json"), (1, 28, 0),
                        "talks to every cluster; meshtui also uses it for port-forwards"),
    "kind": ToolSpec("kind", ("version",), (0, 20, 0), "creates kind clusters"),
    "minikube": ToolSpec("minikube", ("version", "-o", "json"), (1, 32, 0), "creates minikube clusters"),
    "istioctl": ToolSpec("istioctl", ("version", "--remote=false", "-o", "json"), (1, 22, 0),
                         "installs Istio (networking.istio.io/v1 needs 1.22+)"),
    "helm": ToolSpec("helm", ("version", "--short"), (3, 12, 0), "optional; installs charts the seed used"),
}

PARSERS = {
    "kubectl": parse_kubectl,
    "kind": parse_kind,
    "minikube": parse_minikube,
    "istioctl": parse_istioctl,
    "helm": parse_helm,
}
