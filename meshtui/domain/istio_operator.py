"""Lint an IstioOperator for fields modern Istio no longer accepts, and say what replaced each.

`istioctl install` parses IstioOperator strictly: one field removed years ago (the seed's
`values.global.mtls`, Mixer's `telemetry.v1`, the addon toggles) stops the install with
`unknown field`. This module walks the document against the modern API shape (istio/istio
`operator/pkg/apis/types.go` and `values_types.proto`), reports every removed or unknown
field with the release that removed it and its replacement, and derives a cleaned overlay.
Pure: the file reading and YAML line numbers are done by `services.istio_lint`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

OPEN = "open"
"""A subtree the API takes as free-form (Kubernetes structs, mesh config, Helm pass-through)."""

_HPA = dict.fromkeys(["scaleTargetRef", "minReplicas", "maxReplicas", "metrics", "behavior"], OPEN)
_K8S = dict.fromkeys(
    ["affinity", "env", "imagePullPolicy", "nodeSelector", "podDisruptionBudget", "podAnnotations",
     "priorityClassName", "readinessProbe", "replicaCount", "resources", "service", "strategy", "tolerations",
     "serviceAnnotations", "securityContext", "volumes", "volumeMounts", "overlays"], OPEN) | {"hpaSpec": _HPA}
_COMPONENT = {"enabled": OPEN, "namespace": OPEN, "hub": OPEN, "tag": OPEN, "k8s": _K8S}
_GATEWAY = {**_COMPONENT, "name": OPEN, "label": OPEN}
_GATEWAY_VALUES = dict.fromkeys(
    ["autoscaleEnabled", "autoscaleMax", "autoscaleMin", "memory", "cpu", "customService", "enabled", "env", "labels",
     "loadBalancerIP", "loadBalancerSourceRanges", "name", "nodeSelector", "podAnnotations",
     "podAntiAffinityLabelSelector", "podAntiAffinityTermLabelSelector", "ports", "replicaCount", "resources",
     "secretVolumes", "serviceAnnotations", "type", "rollingMaxSurge", "rollingMaxUnavailable",
     "externalTrafficPolicy", "tolerations", "ingressPorts", "additionalContainers", "configVolumes", "runAsRoot",
     "injectionTemplate", "serviceAccount", "ipFamilies", "ipFamilyPolicy"], OPEN)
_GLOBAL = dict.fromkeys(
    ["arch", "certSigners", "configValidation", "defaultNodeSelector", "defaultPodDisruptionBudget", "defaultResources",
     "defaultTolerations", "hub", "imagePullPolicy", "imagePullSecrets", "istioNamespace", "logAsJson", "logging",
     "meshID", "meshNetworks", "multiCluster", "network", "podDNSSearchNamespaces", "omitSidecarInjectorConfigMap",
     "operatorManageWebhooks", "priorityClassName", "proxy", "proxy_init", "sds", "tag", "variant", "tracer",
     "remotePilotAddress", "istiod", "pilotCertProvider", "jwtPolicy", "sts", "revision", "mountMtlsCerts",
     "caAddress", "externalIstiod", "configCluster", "caName", "platform", "ipFamilies", "ipFamilyPolicy", "waypoint",
     "trustBundleName", "nativeNftables", "networkPolicy", "resourceScope", "agentgateway", "enableReaderRBAC"], OPEN)
_VALUES = {
    **dict.fromkeys(["cni", "pilot", "ztunnel", "sidecarInjectorWebhook", "istio_cni", "revision", "ownerName",
                     "meshConfig", "base", "istiodRemote", "revisionTags", "defaultRevision", "profile",
                     "compatibilityVersion", "experimental", "gatewayClasses"], OPEN),
    "global": _GLOBAL,
    "gateways": {"enabled": OPEN, "securityContext": OPEN, "seccompProfile": OPEN,
                 "istio-ingressgateway": _GATEWAY_VALUES, "istio-egressgateway": _GATEWAY_VALUES},
    "telemetry": {"enabled": OPEN, "v2": OPEN},
}
SCHEMA: dict[str, Any] = {
    **dict.fromkeys(["profile", "installPackagePath", "hub", "tag", "namespace", "revision", "compatibilityVersion",
                     "meshConfig", "unvalidatedValues"], OPEN),
    "components": {"base": {"enabled": OPEN, "k8s": _K8S}, "pilot": _COMPONENT, "cni": _COMPONENT,
                   "ztunnel": _COMPONENT, "istiodRemote": _COMPONENT, "gateway": _COMPONENT,
                   "ingressGateways": [_GATEWAY], "egressGateways": [_GATEWAY]},
    "values": _VALUES,
}

_MIXER = "Mixer is gone; telemetry is built into the Envoy sidecars (Telemetry API)"
_ADDON = ("install it from the release's samples/addons (deprecated here in 1.7) — meshtui does that when the "
          "profile lists it under `istio.addons`")
_ISTIOD = "merged into istiod in 1.5; istiod does this job, nothing to configure"
REMOVED: dict[str, tuple[str, str]] = {
    # path pattern -> (history, replacement)
    "components.citadel": ("removed in 1.7", _ISTIOD),
    "components.galley": ("removed in 1.7", _ISTIOD),
    "components.sidecarInjector": ("removed in 1.7", _ISTIOD),
    "components.nodeAgent": ("removed in 1.7", _ISTIOD),
    "components.proxy": ("removed in 1.7", "sidecar settings live in values.global.proxy and meshConfig.defaultConfig"),
    "components.policy": ("removed in 1.8", _MIXER + "; authorization is AuthorizationPolicy"),
    "components.telemetry": ("removed in 1.8", _MIXER + "; drop the block, telemetry v2 is on by default"),
    "values.telemetry.v1": ("removed in 1.8", _MIXER + "; `values.telemetry.v2` remains"),
    "values.global.mtls": ("removed in 1.7", "mutual TLS is set with a PeerAuthentication object "
                           "(assets/istio/peer-authentication.yaml: spec.mtls.mode STRICT); auto mTLS is on by default"),
    "values.global.controlPlaneSecurityEnabled": ("removed", "istiod always serves the control plane over mTLS"),
    "values.prometheus": ("removed in 1.8", _ADDON),
    "values.grafana": ("removed in 1.8", _ADDON),
    "values.kiali": ("removed in 1.8", _ADDON),
    "values.tracing": ("removed in 1.8", _ADDON + " (jaeger)"),
    "values.galley": ("removed in 1.6", "configuration validation is done by istiod (values.global.configValidation)"),
    "values.mixer": ("removed in 1.8", _MIXER),
    "values.citadel": ("removed in 1.7", _ISTIOD + "; certificate TTLs are istiod env such as "
                       "DEFAULT_WORKLOAD_CERT_TTL (values.pilot.env)"),
    "components.*Gateways[].k8s.autoscaleEnabled": (
        "not a Kubernetes setting", "set `values.gateways.<gateway>.autoscaleEnabled`, or just keep `k8s.hpaSpec` "
        "(with replicaCount) which is what the gateway's HorizontalPodAutoscaler uses"),
    "components.*Gateways[].k8s.hpaSpec.targetCPUUtilizationPercentage": (
        "an autoscaling/v1 field", "`k8s.hpaSpec` is an autoscaling/v2 HorizontalPodAutoscalerSpec: use `metrics: "
        "[{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: N}}}]`"),
    "values.gateways.*.port": ("not a gateway value", "list ports under `components.*Gateways[].k8s.service.ports`"),
    "values.gateways.*.tls": ("not a gateway value", "TLS and httpsRedirect belong to the Gateway resource "
                              "(spec.servers[].tls), not to the install"),
}
DEPRECATED: dict[str, str] = {
    "values.global.jwtPolicy": "deprecated and has no effect: third-party JWTs are the only mode; drop it",
    "values.global.arch": "deprecated: use k8s.affinity on each component",
}


@dataclass(frozen=True)
class Finding:
    """One problem with a field of the IstioOperator."""

    path: str
    kind: str  # removed | unknown | deprecated
    history: str
    replacement: str
    line: int | None = None

    @property
    def blocking(self) -> bool:
        """`istioctl install` refuses the file (strict parsing) because of this field."""
        return self.kind in ("removed", "unknown")

    @property
    def summary(self) -> str:
        return f"{self.history}: {self.replacement}" if self.history else self.replacement


def _pattern(path: tuple[str, ...]) -> list[str]:
    """The REMOVED keys a concrete path may match (list indexes and gateway names generalised)."""
    text = ".".join(path)
    general = ".".join("*Gateways[]" if p.endswith("Gateways[]") else p for p in path)
    keys = [text, general.replace("ingressGateways[]", "*Gateways[]").replace("egressGateways[]", "*Gateways[]")]
    if len(path) >= 4 and path[:2] == ("values", "gateways"):
        keys.append(".".join(("values", "gateways", "*", *path[3:])))
    return keys


def lint(document: dict[str, Any]) -> list[Finding]:
    """Every removed, unknown or deprecated field of an IstioOperator document, in document order."""
    findings: list[Finding] = []
    spec = document.get("spec") if isinstance(document, dict) else None
    if not isinstance(spec, dict):
        return [Finding("spec", "unknown", "", "an IstioOperator needs a `spec` mapping")]
    if document.get("kind") not in (None, "IstioOperator"):
        findings.append(Finding("kind", "unknown", "", f"expected kind IstioOperator, found {document.get('kind')!r}"))
    _walk(spec, SCHEMA, (), findings)
    return findings


def _walk(node: Any, schema: Any, path: tuple[str, ...], out: list[Finding]) -> None:
    if schema == OPEN or not isinstance(node, (dict, list)):
        return
    if isinstance(schema, list):
        for item in node if isinstance(node, list) else []:
            _walk(item, schema[0], path[:-1] + (path[-1] + "[]",), out)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        here = (*path, str(key))
        known = next((REMOVED[k] for k in _pattern(here) if k in REMOVED), None)
        if known is not None:
            out.append(Finding(".".join(here), "removed", known[0], known[1]))
            continue
        if key not in schema:
            hint = _close_match(str(key), list(schema))
            out.append(Finding(".".join(here), "unknown", "not in the IstioOperator API",
                               f"istioctl stops with `unknown field \"{key}\"`" + (f"; did you mean `{hint}`?" if hint else
                                                                                  "; remove it")))
            continue
        deprecated = DEPRECATED.get(".".join(here))
        if deprecated:
            out.append(Finding(".".join(here), "deprecated", "", deprecated))
        _walk(value, schema[key], here, out)


def _close_match(key: str, choices: list[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(key, choices, n=1, cutoff=0.75)
    return found[0] if found else None


def modernize(document: dict[str, Any], findings: list[Finding]) -> dict[str, Any]:
    """A copy of the document without the blocking fields (what `istioctl install` accepts)."""
    clean = copy.deepcopy(document)
    _convert_hpa(clean.get("spec", {}))
    for finding in findings:
        if finding.blocking or finding.kind == "deprecated":
            _drop(clean.get("spec", {}), finding.path.split("."))
    _prune(clean)
    return clean


def _convert_hpa(spec: dict[str, Any]) -> None:
    """Rewrite autoscaling/v1 `targetCPUUtilizationPercentage` as the v2 `metrics` entry it means."""
    components = spec.get("components") if isinstance(spec, dict) else None
    for key in ("ingressGateways", "egressGateways"):
        for gateway in (components or {}).get(key) or []:
            hpa = ((gateway or {}).get("k8s") or {}).get("hpaSpec")
            if isinstance(hpa, dict) and "targetCPUUtilizationPercentage" in hpa:
                target = hpa.pop("targetCPUUtilizationPercentage")
                hpa.setdefault("metrics", [{"type": "Resource", "resource": {
                    "name": "cpu", "target": {"type": "Utilization", "averageUtilization": target}}}])


def _drop(node: Any, parts: list[str]) -> None:
    if not parts or node is None:
        return
    head, rest = parts[0], parts[1:]
    if head.endswith("[]"):
        for item in node.get(head[:-2], []) if isinstance(node, dict) else []:
            _drop(item, rest)
        return
    if not isinstance(node, dict) or head not in node:
        return
    if rest:
        _drop(node[head], rest)
    else:
        del node[head]


def _prune(node: Any) -> bool:
    """Remove mappings emptied by `_drop`; True when `node` itself is now empty."""
    if isinstance(node, dict):
        for key in [k for k, v in node.items() if isinstance(v, (dict, list)) and _prune(v) and v == {}]:
            del node[key]
        return not node
    if isinstance(node, list):
        for item in node:
            _prune(item)
    return False
