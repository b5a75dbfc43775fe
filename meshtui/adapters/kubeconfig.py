"""Reading kubeconfig files once, strictly, the way kubectl and the official client both read them.

The safety guard must judge exactly the server, proxy and CA that the Python client AND the
tools meshtui runs (kubectl, istioctl, helm) will use. So every file is read once through the
safe YAML reader (size, nesting, aliases, duplicate keys, and no `<<` merge keys, which PyYAML
and Go read differently), checked against kubeconfig's field types (`server: 12345` or a
duplicated context name is an error with file:line, as kubectl refuses them), and merged by
kubectl's rules: the first file that names a cluster, context or user wins, and the first file
that sets `current-context` wins (the Python client's own merger lets the last one win; meshtui
always passes the context explicitly, so both then agree). The merge is one pass over the
entries (the client's merger compares every entry with every other, minutes for thousands of
contexts), and the client gets the merged result (`client_node`), so nothing parses twice.

A CA file is read only for the context in use, at most 1 MiB and only if it is a regular file
(a FIFO or /dev/zero named by some unused context cannot hang or exhaust meshtui).
"""

from __future__ import annotations

import base64
import binascii
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meshtui.adapters.kubeconfig_schema import KINDS, KubeconfigInvalid, check_document
from meshtui.config import safe_yaml
from meshtui.domain.cluster import ContextInfo
from meshtui.domain.endpoints import ca_fingerprint
from meshtui.domain.errors import ClusterUnreachable, UsageError
from meshtui.domain.text import inert

MINIKUBE_EXTENSION = "minikube.sigs.k8s.io"
MAX_CA_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Entry:
    """One named cluster, context or user, and where it was written."""

    name: str
    raw: dict[str, Any]
    """The whole list item (name, the inner mapping, extensions), as the client reads it."""
    path: str
    line: int | None

    def body(self, kind: str) -> dict[str, Any]:
        inner = self.raw.get(kind)
        return inner if isinstance(inner, dict) else {}


@dataclass
class Kubeconfig:
    """The merged kubeconfig: what meshtui, the client and the tools see."""

    files: tuple[str, ...]
    entries: dict[str, dict[str, Entry]] = field(default_factory=lambda: {kind: {} for kind, _ in KINDS})
    current: str | None = None

    @property
    def env_value(self) -> str:
        """The value for `KUBECONFIG` so that kubectl/istioctl/helm read exactly these files."""
        return os.pathsep.join(self.files)

    def names(self) -> list[str]:
        return list(self.entries["contexts"])

    def context(self, name: str) -> ContextInfo:
        """The context `name`, flattened, with the fingerprint of the CA the client will verify with."""
        entry = self.entries["contexts"].get(name)
        if entry is None:
            import difflib

            known = self.names()
            close = difflib.get_close_matches(name, known, n=1)
            listed = ", ".join(known[:10]) + (f" and {len(known) - 10} more" if len(known) > 10 else "")
            raise UsageError(inert(f"no context {name!r} in the kubeconfig {self.env_value}"),
                             hint=inert(f"did you mean {close[0]!r}?" if close else f"contexts: {listed or 'none'}"))
        ctx = entry.body("context")
        cluster_entry = self.entries["clusters"].get(str(ctx.get("cluster", "")))
        cluster = cluster_entry.body("cluster") if cluster_entry else {}
        proxy = cluster.get("proxy-url")
        return ContextInfo(
            name=name, cluster=str(ctx.get("cluster", "")), server=str(cluster.get("server", "") or ""),
            user=str(ctx.get("user", "")), namespace=ctx.get("namespace") or None,
            minikube=_minikube(ctx) or _minikube(cluster) or (cluster_entry is not None and _minikube(cluster_entry.raw)),
            proxy_url=None if proxy is None else str(proxy),
            ca_sha256=_ca_sha256(cluster, cluster_entry) if cluster_entry else "")

    def client_node(self) -> Any:
        """The merged config as the official client's `KubeConfigLoader` reads it (its `ConfigNode` tree)."""
        from kubernetes.config.kube_config import ConfigNode

        merged: dict[str, Any] = {"current-context": self.current or ""}
        for kind, _inner in KINDS:
            merged[kind] = [ConfigNode(f"{e.path}/{kind}[{e.name}]", e.raw, e.path) for e in self.entries[kind].values()]
        first = self.files[0] if self.files else ""
        return ConfigNode(first, merged, first)


def default_kubeconfig() -> str:
    """`$KUBECONFIG` (may be a `:`-separated list) or `~/.kube/config`."""
    return os.environ.get("KUBECONFIG") or str(Path.home() / ".kube" / "config")


def _minikube(entry: Mapping[str, Any]) -> bool:
    for ext in entry.get("extensions") or []:
        data = ext.get("extension") if isinstance(ext, dict) else None
        if isinstance(data, Mapping) and data.get("provider") == MINIKUBE_EXTENSION:
            return True
    return False


def read_ca_file(path: Path) -> bytes:
    """A CA bundle file, refusing anything but a regular file of at most 1 MiB (no FIFO, device or huge file)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise ValueError(f"cannot open it: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("it is not a regular file")
        if info.st_size > MAX_CA_BYTES:
            raise ValueError(f"it is larger than {MAX_CA_BYTES // 1024} KiB")
        chunks, size = [], 0
        while size <= MAX_CA_BYTES:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_CA_BYTES:
            raise ValueError(f"it is larger than {MAX_CA_BYTES // 1024} KiB")
        return b"".join(chunks)
    finally:
        os.close(fd)


def _ca_sha256(cluster: Mapping[str, Any], entry: Entry) -> str:
    """Fingerprint of the CA the client verifies the server with ("" when it verifies none of its own)."""
    if cluster.get("insecure-skip-tls-verify") or not str(cluster.get("server", "")).startswith("https"):
        return ""
    if "certificate-authority-data" in cluster:  # the client prefers the data, even when the file is named too
        try:
            data = base64.b64decode(str(cluster["certificate-authority-data"]), validate=False)
        except (binascii.Error, ValueError):
            raise KubeconfigInvalid("certificate-authority-data is not base64", path=entry.path,
                                    line=entry.line) from None
        return ca_fingerprint(data) if data else ""
    if "certificate-authority" in cluster:  # relative to the kubeconfig's folder, as the client resolves it
        file = Path(os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(entry.path)),
                                                  str(cluster["certificate-authority"]))))
        try:
            data = read_ca_file(file)
        except ValueError as exc:
            raise KubeconfigInvalid(inert(f"certificate-authority {file}: {exc}"), path=entry.path,
                                    line=entry.line) from None
        return ca_fingerprint(data) if data else ""
    return ""


def read(kubeconfig: str | None = None) -> Kubeconfig:
    """Read and merge the kubeconfig file(s) (`--kubeconfig`, else `$KUBECONFIG`, else ~/.kube/config).

    Files in the list that do not exist are skipped, as kubectl skips them; an empty file
    counts as an empty config. Every problem is a `KubeconfigInvalid` naming file:line.
    """
    spec = kubeconfig or default_kubeconfig()
    files = tuple(os.path.abspath(os.path.expanduser(p)) for p in spec.split(os.pathsep) if p)
    existing = tuple(dict.fromkeys(f for f in files if Path(f).is_file()))
    if not existing:
        raise ClusterUnreachable(inert(f"no kubeconfig at {spec}"),
                                 hint="create a cluster with `meshtui up`, or try `meshtui demo`")
    merged = Kubeconfig(existing)
    for path in existing:
        root, data = safe_yaml.load_file(Path(path), merge_keys=False)
        _merge(merged, root, data, path)
    if not merged.entries["contexts"]:
        raise KubeconfigInvalid("the kubeconfig has no contexts" + (" (the file is empty)" if all(
            Path(f).stat().st_size == 0 for f in existing) else ""), path=merged.env_value,
            hint="point --kubeconfig at a kubeconfig with a context, or create a cluster with `meshtui up`")
    return merged


def _merge(merged: Kubeconfig, root: Any, data: Any, path: str) -> None:
    """Add one file's entries: the first file that names a cluster, context or user wins (kubectl's rule)."""
    check_document(root, data, path)
    if data is None:
        return
    if merged.current is None and data.get("current-context"):
        merged.current = str(data["current-context"])
    for kind, _inner in KINDS:
        known = merged.entries[kind]
        for index, item in enumerate(data.get(kind) or []):
            if item["name"] not in known:
                known[item["name"]] = Entry(item["name"], item, path, safe_yaml.line_of(root, (kind, index, "name")))


def read_text_config(text: str, source: str) -> Kubeconfig:
    """A kubeconfig printed by a tool (`kind get kubeconfig`), read by the same strict rules as a file."""
    root, data = safe_yaml.load(text, source, merge_keys=False)
    merged = Kubeconfig((source,))
    _merge(merged, root, data, source)
    return merged


def load_contexts(kubeconfig: str | None = None) -> tuple[list[ContextInfo], str | None]:
    """All contexts of the (merged) kubeconfig and the current context's name."""
    config = read(kubeconfig)
    return [_lenient(config, name) for name in config.names()], config.current


def _lenient(config: Kubeconfig, name: str) -> ContextInfo:
    """A context for a listing: an unusable CA file is reported when that context is used, not here."""
    try:
        return config.context(name)
    except KubeconfigInvalid:
        entry = config.entries["contexts"][name].body("context")
        return ContextInfo(name=name, cluster=str(entry.get("cluster", "")), server="", user=str(entry.get("user", "")),
                           namespace=entry.get("namespace") or None)


def resolve_context(kubeconfig: str | None, context: str | None) -> ContextInfo:
    """The context to use: `--context` or the kubeconfig's current one."""
    return select(read(kubeconfig), context)


def select(config: Kubeconfig, context: str | None) -> ContextInfo:
    """The context `context` (or the current one) of a read kubeconfig."""
    wanted = context or config.current
    if not wanted:
        raise ClusterUnreachable("the kubeconfig has no current context", hint="pass --context NAME")
    return config.context(wanted)
