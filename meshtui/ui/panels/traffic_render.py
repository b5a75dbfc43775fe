"""Drawing the Traffic panel from the engine's typed views: rules with weight bars, the observed table.

Pure functions from `RoutesView` (cluster and draft) and an `Observation` to Rich `Text`
and table cells. Every external string (hosts, subsets, header values, durations typed
by someone else) goes through `inert()` and into `Text`, never into markup. What is in
the cluster and what is only drafted are shown apart: the CONFIGURED column is always
the cluster, the DRAFT column and the "draft" marks only what has not been applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text

from meshtui.domain.routes.present import breaker_text, conditions_text, extras, percent
from meshtui.domain.text import inert, inert_lines

if TYPE_CHECKING:  # types only: the observer (which loads the log engine) loads when the panel starts one
    from meshtui.domain.routes.view import RoutesView, RuleView
    from meshtui.services.observe import Observation
    from meshtui.services.routes import HostSummary

BAR = 24


@dataclass(frozen=True)
class Palette:
    accent: str
    primary: str
    warning: str
    error: str
    success: str
    secondary: str


def key_label(key: str) -> str:
    """A share's key as shown: a subset, `(any pod)`, or `host (other host)` for traffic that leaves."""
    if key.startswith("→ "):
        return f"{key.removeprefix('→ ')} (other host)"
    return key or "(any pod)"


def host_row(h: HostSummary) -> tuple[Text, Text, Text]:
    """HOST, TRAFFIC (the catch-all rule's percentages, as `routes list` prints them), mark."""
    if not h.virtual_service:
        traffic = Text("no VS", style="dim")
    else:
        traffic = Text(inert(" ".join(f"{key_label(k)} {percent(v)}" for k, v in h.shares.items()) or "-"))
    return Text(inert(h.host)), traffic, Text("◆" if h.managed or h.touched else "")


def _bar(share: float | None, width: int) -> tuple[str, str]:
    filled = round((share or 0) / 100 * width)
    return "█" * filled, "░" * (width - filled)


def rules_text(view: RoutesView, cluster: RoutesView | None, target: str | None, palette: Palette,
               bar: int = BAR) -> Text:
    """The rules of `view` (the draft when there is one); shares that differ from the cluster say so."""
    text = Text()
    if not view.has_virtual_service:
        text.append("no VirtualService: traffic is spread over all pods of the host. Any change creates one "
                    "(labelled as meshtui's).\n", style="dim")
    cluster_rules = {r.index: r for r in cluster.rules} if cluster is not None else {}
    for rule in view.rules:
        _rule(text, rule, cluster_rules.get(rule.index), target, palette, bar)
    if view.breaker is not None:
        text.append(inert(breaker_text(view.breaker)) + "\n", style=palette.secondary)
    return text


def _rule(text: Text, rule: RuleView, before: RuleView | None, target: str | None, palette: Palette,
          bar: int) -> None:
    text.append(f"{rule.index + 1}. ", style="dim")
    text.append(inert(conditions_text(rule)), style="bold")
    if rule.name:
        text.append(f"  ({inert(rule.name)})", style="dim")
    text.append("\n")
    was = {d.key: d.share for d in before.destinations} if before is not None else {}
    for d in rule.destinations:
        chosen = d.subset == target and not d.external
        label = inert(key_label(d.key))
        text.append(f"   {'▶' if chosen else ' '} {label:<8}", style=f"bold {palette.accent}" if chosen else "")
        filled, empty = _bar(d.share, bar)
        text.append(filled, style=palette.primary)
        text.append(empty, style="dim")
        text.append(f" {percent(d.share):>5}")
        if d.share is None:
            text.append("  (weights sum to 0)", style=palette.error)
        if before is not None and d.key in was and was[d.key] != d.share:
            text.append(f"  cluster {percent(was[d.key])}", style="dim")
        elif before is not None and d.key not in was:
            text.append("  new in draft", style="dim")
        text.append("\n")
    more = extras(rule)
    if more:
        text.append("   " + inert("   ".join(more)) + "\n", style=palette.warning)


def title_text(view: RoutesView, target: str | None, *, dirty: bool, stale: str | None, undo_depth: int,
               palette: Palette) -> Text:
    title = Text()
    title.append(inert(f"{view.namespace}/{view.host}"), style="bold")
    title.append(inert(f"  subsets {', '.join(view.subsets) or '-'}") + "  target (v) ")
    title.append(inert(target or "-"), style=f"bold {palette.accent}")
    if stale:
        title.append("   ⚠ draft no longer fits the cluster (d: discard)", style=f"bold {palette.error}")
    elif dirty:
        title.append("   ● draft (a: apply, d: discard)", style=f"bold {palette.warning}")
    if undo_depth:
        title.append(f"   undo: {undo_depth}", style="dim")
    return title


def observed_rows(observation: Observation | None, cluster: RoutesView | None,
                  draft: RoutesView | None) -> dict[str, tuple]:
    """SUBSET, CONFIGURED (cluster), DRAFT (only when drafted), OBSERVED, REQUESTS, SUCCESS, P50, P95.

    Until the first observation arrives (and while none has a request) the observed cells
    say so instead of showing 0 %.
    """
    configured = cluster.shares() if cluster is not None and cluster.has_virtual_service else {}
    drafted = draft.shares() if draft is not None else {}
    seen = {s.subset: s for s in observation.subsets} if observation is not None else {}
    names = list(dict.fromkeys([*configured, *drafted, *seen]))
    waiting = "…" if observation is None else "-" if not observation.total else None
    rows: dict[str, tuple] = {}
    for name in names:
        key = key_label(name)
        if cluster is not None and not cluster.has_virtual_service:
            conf = Text("no VirtualService", style="dim")
        else:
            conf = Text(percent(configured.get(name, 0.0)) if name in configured else "0%")
        drafted_cell = Text(percent(drafted.get(name, 0.0)) if name in drafted else "0%") if draft is not None \
            else Text("")
        stats = seen.get(name)
        if stats is None:
            rows[key] = (Text(inert(key)), conf, drafted_cell, Text(waiting or "0.0%", style="dim"),
                         Text("-" if waiting else "0"), Text("-"), Text("-"), Text("-"))
            continue
        rows[key] = (Text(inert(key)), conf, drafted_cell, Text(f"{stats.share:.1f}%"), Text(str(stats.requests)),
                     Text("-" if stats.success_rate is None else f"{stats.success_rate:.1f}%"),
                     Text("-" if stats.p50_ms is None else f"{stats.p50_ms:.0f}ms"),
                     Text("-" if stats.p95_ms is None else f"{stats.p95_ms:.0f}ms"))
    return rows


def diff_text(diff: str, palette: Palette) -> Text:
    """A unified diff, inert, with added lines in the success colour and removed ones in the error colour."""
    text = Text()
    for line in inert_lines(diff).splitlines():
        colour = (palette.success if line.startswith("+") and not line.startswith("+++") else
                  palette.error if line.startswith("-") and not line.startswith("---") else "")
        text.append(line + "\n", style=colour)
    return text
