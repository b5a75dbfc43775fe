"""Where a log query's lines come from: the query resolved against the API server, and what it matches now.

Before anything is followed or read the query is checked where kubectl would check
it: `-n nosuch` is an error (exit 1), not an empty result; a label selector the server
cannot parse is bad input (exit 2), said once; `deploy/NAME` becomes its selector and
`pod/NAME` a field selector, and a missing one is NotFound (exit 1). Every GET here is
retried on 5xx/429 with the no-follow reads' bounded backoff, since a flaky or
restarting API server is not a missing object. The follow path (`logs.LogEngine`)
watches the pods this resolves to; the no-follow path lists them once (`targets`).
"""

from __future__ import annotations

import time

from meshtui.adapters.kube import KubeApiError, KubeClient, path_for
from meshtui.domain.errors import MeshtuiError, NotFound, UsageError
from meshtui.services.log_fetch import ATTEMPTS
from meshtui.services.log_model import Target, targets_of
from meshtui.services.log_query import LogQuery, selector_of
from meshtui.services.log_tail import backoff

RETRIES = ATTEMPTS


class QueryTargets:
    """One query's namespace, pod collection and selectors, resolved once (network IO)."""

    def __init__(self, kube: KubeClient, query: LogQuery) -> None:
        self.kube = kube
        self.query = query
        self.selector: str | None = None
        self.field_selector: str | None = None
        self._resolved = False

    def namespace(self) -> str:
        return self.query.namespace or self.kube.context.namespace or "default"

    def collection(self) -> str:
        return "/api/v1/pods" if self.query.all_namespaces else f"/api/v1/namespaces/{self.namespace()}/pods"

    def resolve(self) -> None:
        """deploy/NAME and pod/NAME become selectors; a missing one is NotFound (exit 1). Network IO."""
        if self._resolved:
            return
        q = self.query
        self.selector = q.selector
        if not q.all_namespaces:
            self._namespace_exists()
        if q.selector:
            self._selector_accepted(q.selector)
        if q.pod_name:
            self.field_selector = f"metadata.name={q.pod_name}"
            self._must_exist(path_for("", "v1", "pods", self.namespace(), q.pod_name), "pod", q.pod_name)
        if q.workload:
            name = q.workload.split("/", 1)[1]
            deploy = self._must_exist(path_for("apps", "v1", "deployments", self.namespace(), name),
                                      "deployment", name)
            self.selector = ",".join(filter(None, [selector_of(deploy), q.selector]))
        self._resolved = True

    def targets(self) -> list[Target]:
        """The containers the query matches now (resolved first)."""
        self.resolve()
        query = {"labelSelector": self.selector, "fieldSelector": self.field_selector}
        pods = self.get(self.collection(), **{k: v for k, v in query.items() if v}).get("items", [])
        return [target for pod in pods for target in targets_of(pod, self.query)]

    def check(self) -> None:
        """Is the API server there at all? (ClusterUnreachable at once; 5xx retried.)"""
        self.get("/version")

    def get(self, path: str, **query: str) -> dict:
        """One GET, retried with the no-follow reads' bounded backoff on 5xx/429 (`log_fetch.ATTEMPTS`
        attempts, about 6 s: a flaky or restarting API server is not a missing object)."""
        started = time.monotonic()
        for attempt in range(1, RETRIES + 1):
            try:
                return self.kube.get(path, **query)
            except KubeApiError as exc:
                if exc.status < 500 and exc.status != 429:
                    raise
                if attempt == RETRIES:
                    raise MeshtuiError(f"gave up after {attempt} failed attempts in "
                                       f"{time.monotonic() - started:.1f} s: {exc.message}",
                                       hint="is the API server restarting? try again") from None
            time.sleep(backoff(attempt))
        raise AssertionError("unreachable")

    def _namespace_exists(self) -> None:
        """`-n nosuch` is an error (exit 1), as in kubectl, not an empty result; not allowed to look: go on."""
        namespace = self.namespace()
        try:
            self.get(path_for("", "v1", "namespaces", None, namespace))
        except KubeApiError as exc:
            if exc.status == 404:
                raise NotFound(f"namespace {namespace} not found",
                               hint="check the name: kubectl get namespaces") from None
            if exc.status not in (401, 403):
                raise

    def _selector_accepted(self, selector: str) -> None:
        """A label selector the API server cannot parse (HTTP 400) is bad input (exit 2), said once."""
        try:
            self.get(self.collection(), labelSelector=selector, limit="1")
        except KubeApiError as exc:
            if exc.status == 400:
                raise UsageError(f"bad label selector {selector!r}: {exc.api_message or exc.message}",
                                 hint="e.g. -l app=catalog,version!=v1 or -l 'tier in (web,api)'") from None
            raise

    def _must_exist(self, path: str, kind: str, name: str) -> dict:
        try:
            return self.get(path)
        except KubeApiError as exc:
            if exc.status == 404:
                raise NotFound(f"{kind} {name!r} not found in namespace {self.namespace()}",
                               hint=f"check the name: kubectl get {kind}s -n {self.namespace()}") from None
            raise
