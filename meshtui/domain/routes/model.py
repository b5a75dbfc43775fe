"""The routes of one host: its VirtualService and DestinationRule specs, and the weight rule.

Specs are kept as the plain dicts the API returned; operations copy them and change only
the fields they are about, so every field meshtui does not model (corsPolicy, rewrite,
headers, tls, exportTo, ...) round-trips untouched and the change is minimal.

The "weighted rule" is the catch-all rule (the last one without `match`). How much traffic
a destination gets is decided in ONE place, `destination_weights`, with Istio's semantics:
a lone destination takes everything (its weight, if any, is ignored); among several, a
missing weight counts 0 and weights are relative (share = weight / sum, Istio >= 1.15).
`routes show`, `routes list`, the Traffic panel and the operations all read it from here.
Edits that move weight work in whole percent of the rule's traffic (`whole_percents`), so
"+10" means ten points of traffic however the weights were written. A destination of
another host (traffic that leaves this host) is never folded into a subset.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

MANAGED_LABEL = "app.kubernetes.io/managed-by"
MANAGED_VALUE = "meshtui"
ORIGINAL_ANNOTATION = "meshtui.dev/original-spec"


class RouteError(ValueError):
    """An edit that cannot be expressed on these routes (exit 2 in the CLI, kept in the TUI form).

    `field` names the input the problem is about (a key of the edit's inputs), `value` what
    was given, and `fix` what to do instead, so each front end can point at its own control.
    """

    def __init__(self, message: str, *, field: str = "", value: str = "", fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.value = value
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message}; {self.fix}" if self.fix else self.message


def fqdn(host: str, namespace: str) -> str:
    """A VS/DR host resolved relative to the object's namespace (Kubernetes short names)."""
    if host.endswith(".svc.cluster.local") or host == "*":
        return host
    parts = host.split(".")
    if len(parts) == 1:
        return f"{host}.{namespace}.svc.cluster.local"
    return f"{host}.svc.cluster.local" if len(parts) == 2 else host


def same_host(a: str, b: str, namespace: str) -> bool:
    return fqdn(a, namespace) == fqdn(b, namespace)


def _int_weight(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def destination_weights(destinations: list[dict]) -> list[int]:
    """The effective weight of each destination of one rule (Istio's semantics, see module doc)."""
    if len(destinations) == 1:
        return [100]
    return [_int_weight(d.get("weight")) for d in destinations]


def destination_shares(destinations: list[dict]) -> list[float | None]:
    """Percent of the rule's traffic each destination gets (None when the weights sum to 0)."""
    weights = destination_weights(destinations)
    total = sum(weights)
    return [w / total * 100 if total else None for w in weights]


def whole_percents(weights: list[int]) -> list[int]:
    """Relative weights as whole percents that sum to 100 (largest remainder); all 0 when the sum is 0."""
    total = sum(weights)
    if not total:
        return [0 for _ in weights]
    exact = [w * 100 / total for w in weights]
    out = [int(e) for e in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - out[i]), i))
    for i in by_remainder[:100 - sum(out)]:
        out[i] += 1
    return out


def subset_of(destination: dict) -> str:
    return str((destination.get("destination") or {}).get("subset") or "")


def host_of(destination: dict) -> str:
    return str((destination.get("destination") or {}).get("host") or "")


@dataclass
class Routes:
    """The editable state of one host: VS and DR specs (copies), plus where they live."""

    host: str
    namespace: str
    vs: dict | None = None
    dr: dict | None = None
    versions: list[str] = field(default_factory=list)
    """Version labels of the host's pods (subset candidates)."""

    def copy(self) -> Routes:
        return Routes(self.host, self.namespace, copy.deepcopy(self.vs), copy.deepcopy(self.dr), list(self.versions))

    @property
    def http(self) -> list[dict]:
        """The VS's HTTP rules (an empty list, created, when there are none)."""
        if self.vs is None:
            return []
        rules = self.vs.get("http")
        if not isinstance(rules, list):
            rules = self.vs["http"] = []
        return rules

    @property
    def subsets(self) -> list[str]:
        """Subset names the DestinationRule defines, in its order."""
        return [str(s.get("name", "")) for s in (self.dr or {}).get("subsets") or [] if isinstance(s, dict)]

    @property
    def subset_names(self) -> list[str]:
        """Defined subsets, or the pods' versions when there is no DestinationRule yet."""
        return [s for s in self.subsets if s] or list(self.versions)

    def weighted_index(self) -> int | None:
        """Index of the catch-all rule (the one traffic reaches when no match applies)."""
        rules = (self.vs or {}).get("http") or []
        for i in range(len(rules) - 1, -1, -1):
            if isinstance(rules[i], dict) and not rules[i].get("match"):
                return i
        return None

    def weighted_rule(self, create: bool = True) -> dict:
        index = self.weighted_index()
        if index is not None:
            return self.http[index]
        if not create:
            raise RouteError(f"{self.host} has no catch-all rule")
        if self.vs is None:
            self.vs = {"hosts": [self.host], "http": []}
        rule = {"name": "primary", "route": [{"destination": {"host": self.host}}]}
        self.http.append(rule)
        return rule

    def weights(self) -> dict[str, int]:
        """Subset -> effective weight in the catch-all rule ("" for a destination without subset)."""
        index = self.weighted_index()
        if index is None:
            return {}
        destinations = [d for d in self.http[index].get("route") or [] if isinstance(d, dict)]
        out: dict[str, int] = {}
        for destination, weight in zip(destinations, destination_weights(destinations), strict=True):
            subset = subset_of(destination)
            out[subset] = out.get(subset, 0) + weight
        return out

    def own(self, destination: dict) -> bool:
        """Whether a destination is a pod of this host (any subset, or none); else traffic leaves the host."""
        return same_host(host_of(destination), self.host, self.namespace)

    def destinations(self) -> list[dict]:
        """The catch-all rule's destinations (empty without one)."""
        index = self.weighted_index()
        return [] if index is None else [d for d in self.http[index].get("route") or [] if isinstance(d, dict)]

    def percents(self) -> dict[str, int]:
        """This host's subsets ('' for any pod) -> whole percent of the catch-all rule's traffic.

        Without a catch-all rule every request goes to any pod of the host: {'': 100}.
        """
        destinations = self.destinations()
        if self.weighted_index() is None:
            return {"": 100}
        out: dict[str, int] = {}
        for d, share in zip(destinations, whole_percents(destination_weights(destinations)), strict=True):
            if self.own(d):
                out[subset_of(d)] = out.get(subset_of(d), 0) + share
        return out

    def shares(self) -> dict[str, float]:
        """Subset -> percent of the catch-all rule's traffic (relative weights normalised)."""
        weights = self.weights()
        total = sum(weights.values())
        return {s: w / total * 100 for s, w in weights.items()} if total else {}
