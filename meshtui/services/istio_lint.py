"""`meshtui istio lint`: read an IstioOperator file, report removed fields with lines, suggest a modern overlay.

The rules live in `domain.istio_operator`; this module adds what needs the file: YAML
parsing with clear errors, `${VAR:-default}` interpolation like the profiles (the seed's
file uses it), line numbers for every finding and the suggested overlay as YAML.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from meshtui.config import safe_yaml
from meshtui.domain.errors import ProfileError
from meshtui.domain.istio_operator import Finding, lint, modernize
from meshtui.domain.text import inert

EXTRA_OBJECTS = {
    "values.global.mtls": "assets/istio/peer-authentication.yaml (PeerAuthentication, mtls STRICT)",
    "values.prometheus": "istio.addons: [prometheus] in the profile",
    "values.grafana": "istio.addons: [grafana] in the profile",
    "values.kiali": "istio.addons: [kiali] in the profile",
    "values.tracing": "istio.addons: [jaeger] in the profile",
}


@dataclass
class LintReport:
    """Findings for one file plus the overlay `istioctl install` would accept."""

    path: Path
    findings: list[Finding] = field(default_factory=list)
    suggested: dict[str, Any] = field(default_factory=dict)

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.blocking]

    @property
    def also_apply(self) -> list[str]:
        """Objects or profile settings that take over from removed fields."""
        return [text for path, text in EXTRA_OBJECTS.items() if any(f.path == path for f in self.findings)]

    def suggested_yaml(self) -> str:
        return yaml.safe_dump(self.suggested, sort_keys=False)

    def as_json(self) -> dict[str, Any]:
        return {"path": str(self.path), "ok": not self.blocking,
                "findings": [{"path": f.path, "line": f.line, "kind": f.kind, "history": f.history,
                              "replacement": f.replacement} for f in self.findings],
                "also_apply": self.also_apply, "suggested_overlay": self.suggested}


def _line_index(node: yaml.Node, prefix: tuple[str, ...], out: dict[str, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            here = (*prefix, str(key.value))
            out.setdefault(".".join(here), key.start_mark.line + 1)
            _line_index(value, here, out)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _line_index(item, (*prefix[:-1], prefix[-1] + "[]") if prefix else prefix, out)


def parse(text: str, path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """The document and a map of dotted path -> first line (spec-relative paths)."""
    from meshtui.config.interpolate import InterpolationError, interpolate

    try:
        text = interpolate(text, os.environ)
    except InterpolationError as exc:
        raise ProfileError(inert(str(exc)), path=str(path)) from None
    node, document = safe_yaml.load(text, str(path))
    if not isinstance(document, dict) or node is None:
        raise ProfileError("expected an IstioOperator mapping (apiVersion, kind, spec)", path=str(path), line=1)
    lines: dict[str, int] = {}
    for key, value in node.value:
        if key.value == "spec":
            _line_index(value, (), lines)
        lines.setdefault(str(key.value), key.start_mark.line + 1)
    return document, lines


def lint_text(text: str, path: Path) -> LintReport:
    document, lines = parse(text, path)
    findings = [replace(f, line=lines.get(f.path)) for f in lint(document)]
    return LintReport(path, findings, modernize(document, findings))


def lint_file(path: Path | str) -> LintReport:
    """Lint one IstioOperator file (ProfileError when it cannot be read or parsed)."""
    path = Path(path)
    return lint_text(safe_yaml.read_text(path), path)
