"""The top bar: which cluster you are looking at, and whether writes are safe there (and why)."""

from __future__ import annotations

from typing import Protocol

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from meshtui.ui.text import safe_text


class HeaderInfo(Protocol):
    """What the header shows (`services.cluster.ClusterInfo` fits)."""

    @property
    def context(self) -> str: ...
    @property
    def cluster(self) -> str: ...
    @property
    def provider(self) -> str: ...
    @property
    def badge(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def kubernetes_version(self) -> str | None: ...
    @property
    def istio_version(self) -> str | None: ...
    @property
    def reachable(self) -> bool: ...


def _short(reason: str) -> str:
    """The reason as the header has room for it (the badge's tooltip holds it whole)."""
    for prefix, short in (("created by meshtui", "created by meshtui"), ("pinned as local", "pinned in config.yaml")):
        if reason.startswith(prefix):
            return short
    return reason.removeprefix("the API server ")


class ClusterHeader(Horizontal):
    """meshtui · context · cluster · provider · Istio version · LOCAL/SIMULATED/REMOTE badge and the guard's reason."""

    DEFAULT_CSS = """
    ClusterHeader { height: 1; }
    ClusterHeader #title { width: auto; padding: 0 1; text-style: bold; }
    ClusterHeader #where { width: 1fr; }
    ClusterHeader #why { width: auto; max-width: 48; padding: 0 1; color: $text-muted; text-wrap: nowrap;
                         text-overflow: ellipsis; }
    ClusterHeader #badge { width: auto; padding: 0 1; text-style: bold; }
    """

    def compose(self) -> ComposeResult:
        yield Static("meshtui", id="title")
        yield Static("connecting…", id="where")
        yield Static("", id="why")
        yield Static("", id="badge")

    def show(self, info: HeaderInfo | None, read_only: bool = False) -> None:
        """Render a `ClusterInfo` (or clear when None); every value from the kubeconfig or cluster is made inert."""
        where = self.query_one("#where", Static)
        why = self.query_one("#why", Static)
        badge = self.query_one("#badge", Static)
        badge.remove_class("-local", "-simulated", "-remote", "-offline")
        if info is None:
            where.update("no cluster")
            why.update("")
            badge.update(" OFFLINE ")
            badge.tooltip = None
            badge.add_class("-offline")
            return
        parts = Text.assemble(
            ("context ", "dim"), safe_text(info.context, "bold"), ("  │  cluster ", "dim"),
            safe_text(info.cluster or "?"), ("  │  provider ", "dim"), safe_text(info.provider),
            ("  │  istio ", "dim"), safe_text(info.istio_version or "none"))
        if info.kubernetes_version:
            parts.append_text(Text.assemble(("  │  k8s ", "dim"), safe_text(info.kubernetes_version)))
        if not info.reachable:
            parts.append_text(Text.assemble(("  │  ", "dim"), ("unreachable", "bold")))
        where.update(parts)
        label = info.badge if info.badge != "REMOTE" else "REMOTE (read-only)"
        if read_only and info.badge != "REMOTE":
            label += " read-only"
        why.update(safe_text(_short(info.reason)))
        badge.update(Text(f" {label} "))
        badge.tooltip = safe_text(f"{info.badge}: {info.reason}")
        badge.add_class(f"-{info.badge.lower()}")
