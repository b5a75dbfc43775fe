"""The top bar: which cluster you are looking at, and whether writes are safe there."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static


class ClusterHeader(Horizontal):
    """meshtui · context · cluster · provider · Istio version · LOCAL/SIMULATED/REMOTE badge."""

    DEFAULT_CSS = """
    ClusterHeader { height: 1; }
    ClusterHeader #title { width: auto; padding: 0 1; text-style: bold; }
    ClusterHeader #where { width: 1fr; }
    ClusterHeader #badge { width: auto; padding: 0 1; text-style: bold; }
    """

    def compose(self) -> ComposeResult:
        yield Static("meshtui", id="title")
        yield Static("connecting…", id="where")
        yield Static("", id="badge")

    def show(self, info: Any, read_only: bool = False) -> None:
        """Render a `ClusterInfo` (or clear when None)."""
        where = self.query_one("#where", Static)
        badge = self.query_one("#badge", Static)
        badge.remove_class("-local", "-simulated", "-remote", "-offline")
        if info is None:
            where.update("no cluster")
            badge.update(" OFFLINE ")
            badge.add_class("-offline")
            return
        segments: list[tuple[str, str]] = [
            ("context ", "dim"), (info.context, "bold"), ("  │  cluster ", "dim"), (info.cluster or "?", ""),
            ("  │  provider ", "dim"), (info.provider, ""), ("  │  istio ", "dim"), (info.istio_version or "none", "")]
        if info.kubernetes_version:
            segments += [("  │  k8s ", "dim"), (info.kubernetes_version, "")]
        if not info.reachable:
            segments += [("  │  ", "dim"), ("unreachable", "bold")]
        parts = Text.assemble(*segments)
        where.update(parts)
        label = info.badge if info.badge != "REMOTE" else "REMOTE (read-only)"
        if read_only and info.badge != "REMOTE":
            label += " read-only"
        badge.update(f" {label} ")
        badge.add_class(f"-{info.badge.lower()}")
