"""The safety guard against a table of crafted kubeconfig contexts: names never count, destinations do.

Every row is a real context in one real kubeconfig file, read by meshtui's kubeconfig
loader; proxies come from real environment variables; IP literals and `localhost` go
through the system resolver. Names that need DNS answers this machine cannot give
(`kind.localhost`, a name resolving to loopback AND a LAN address) get them from a
stub resolver, which is the only thing faked. Each row is also checked against the
official client: the proxy meshtui's guard models must be the proxy the client uses.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from meshtui.adapters.kube import KubeClient, load_contexts
from meshtui.domain.cluster import Badge, Resolved, cluster_identity
from meshtui.domain.endpoints import effective_proxy, no_proxy_matches
from meshtui.domain.errors import MeshtuiError
from meshtui.services import state
from meshtui.services.guard import Guard, resolve

CA_A = b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(b"cluster CA number one" * 4) + b"-----END CERTIFICATE-----\n"
CA_B = b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(b"a different cluster CA" * 4) + b"-----END CERTIFICATE-----\n"
STUB = {  # DNS answers this sandbox cannot give, as a hosts file or a hostile DNS server would
    "kind.localhost": ("127.0.0.1", "::1"),
    "evil.localhost": ("203.0.113.9",),
    "mixed.test": ("127.0.0.1", "10.1.2.3"),
    "kubernetes.docker.internal": ("127.0.0.1",),
    "vm.example.test": ("192.168.64.5",),
}
PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY",
              "no_proxy")


def stub_resolver(host: str, port: int | None) -> Resolved:
    if host in STUB:
        return Resolved(host, STUB[host])
    return resolve(host, port)


@dataclass
class Row:
    name: str
    server: str
    badge: Badge
    because: str
    cluster: dict = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    extensions: bool = False


ROWS = [
    # names of local-cluster tools prove nothing: the server decides
    Row("kind-x", "https://203.0.113.10:6443", Badge.REMOTE, "203.0.113.10:6443 is not a loopback address"),
    Row("minikube", "https://198.51.100.7:8443", Badge.REMOTE, "not a loopback address"),
    Row("meshtui-sim", "http://prod.example.internal:6443", Badge.REMOTE, "does not resolve"),
    Row("docker-desktop", "https://10.0.0.5:6443", Badge.REMOTE, "not a loopback address"),
    Row("k3d-dev", "https://k3d.example.com:6443", Badge.REMOTE, "does not resolve"),
    Row("rancher-desktop", "https://[2001:db8::1]:6443", Badge.REMOTE, "[2001:db8::1]:6443 is not a loopback"),
    Row("orbstack", "https://203.0.113.20", Badge.REMOTE, "203.0.113.20:443"),
    Row("colima", "https://vm.example.test:6443", Badge.REMOTE, "resolves to 192.168.64.5"),
    Row("my-laptop", "https://192.168.49.2:8443", Badge.REMOTE, "192.168.49.2", extensions=True),  # minikube ext.
    # loopback, however it is spelt, is local
    Row("kind-dev", "https://127.0.0.1:6443", Badge.LOCAL, "127.0.0.1:6443 is loopback"),
    Row("plain", "https://localhost:6443", Badge.LOCAL, "localhost:6443 resolves to"),
    Row("v6", "https://[::1]:6443", Badge.LOCAL, "[::1]:6443 is loopback"),
    Row("mapped", "https://[::ffff:127.0.0.1]:6443", Badge.LOCAL, "is loopback"),
    Row("short", "https://127.1:6443", Badge.LOCAL, "resolves to 127.0.0.1 only"),
    Row("meshtui-sim", "http://127.0.0.1:7443", Badge.SIMULATED, "is loopback"),
    Row("docker-desktop", "https://kubernetes.docker.internal:6443", Badge.LOCAL, "resolves to 127.0.0.1 only"),
    Row("socket", "unix:///run/k8s.sock", Badge.LOCAL, "unix socket"),
    # names under .localhost are resolved, not trusted
    Row("kindish", "https://kind.localhost:6443", Badge.LOCAL, "resolves to"),
    Row("evil", "https://evil.localhost:6443", Badge.REMOTE, "resolves to 203.0.113.9"),
    Row("mixed", "https://mixed.test:6443", Badge.REMOTE, "10.1.2.3 (as well as 127.0.0.1), not only loopback"),
    # unspecified addresses and unreadable URLs
    Row("zeros", "https://0.0.0.0:6443", Badge.REMOTE, "unspecified address"),
    Row("zeros6", "https://[::]:6443", Badge.REMOTE, "unspecified address"),
    Row("userinfo", "https://127.0.0.1@evil.example:6443", Badge.REMOTE, "ambiguous host"),
    Row("noscheme", "127.0.0.1:6443", Badge.REMOTE, "no http:// or https:// scheme"),
    Row("empty", "", Badge.REMOTE, "names no API server"),
    # proxies: the kubeconfig's proxy-url, the environment, no_proxy
    Row("kind-proxied", "https://127.0.0.1:6443", Badge.REMOTE, "the proxy 10.0.0.1:3128",
        cluster={"proxy-url": "http://10.0.0.1:3128"}),
    Row("prod-via-relay", "http://prod.example.internal:6443", Badge.REMOTE, "API server prod.example.internal",
        cluster={"proxy-url": "http://127.0.0.1:3128"}),
    Row("kind-env", "https://127.0.0.1:6443", Badge.REMOTE, "https_proxy in the environment",
        env={"HTTPS_PROXY": "http://10.9.9.9:3128"}),
    Row("kind-noproxy", "https://127.0.0.1:6443", Badge.LOCAL, "is loopback",
        env={"HTTPS_PROXY": "http://10.9.9.9:3128", "NO_PROXY": "localhost,127.0.0.1"}),
    Row("kind-cidr", "https://127.0.0.1:6443", Badge.LOCAL, "is loopback",
        env={"https_proxy": "http://10.9.9.9:3128", "no_proxy": "127.0.0.0/8"}),
    Row("kind-empty-proxy-url", "https://127.0.0.1:6443", Badge.LOCAL, "is loopback",
        cluster={"proxy-url": ""}, env={"HTTPS_PROXY": "http://10.9.9.9:3128"}),
    Row("http-server", "http://127.0.0.1:6443", Badge.LOCAL, "is loopback",
        env={"HTTPS_PROXY": "http://10.9.9.9:3128"}),
    Row("kind-socks", "https://127.0.0.1:6443", Badge.REMOTE, "all_proxy",
        env={"ALL_PROXY": "socks5h://10.0.0.2:1080"}),
    Row("kind-localproxy", "https://127.0.0.1:6443", Badge.LOCAL, "proxy 127.0.0.1:3128 is loopback and",
        env={"HTTPS_PROXY": "http://127.0.0.1:3128"}),
    Row("lowercase-wins", "https://127.0.0.1:6443", Badge.LOCAL, "is loopback",
        env={"HTTPS_PROXY": "http://10.9.9.9:3128", "https_proxy": ""}),
    Row("bare-proxy", "https://127.0.0.1:6443", Badge.REMOTE, "proxy URL '10.0.0.1:3128' has no http",
        env={"HTTPS_PROXY": "10.0.0.1:3128"}),
]


def write_kubeconfig(path: Path, rows: list[Row]) -> None:
    clusters, contexts = [], []
    for i, row in enumerate(rows):
        cluster = {"server": row.server, **row.cluster}
        if row.extensions:
            cluster["extensions"] = [{"name": "cluster_info", "extension": {"provider": "minikube.sigs.k8s.io"}}]
        clusters.append({"name": f"c{i}", "cluster": cluster})
        contexts.append({"name": f"{row.name}#{i}", "context": {"cluster": f"c{i}", "user": "u"}})
    path.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Config", "current-context": contexts[0]["name"],
                                    "clusters": clusters, "contexts": contexts,
                                    "users": [{"name": "u", "user": {"token": "t"}}]}))


@pytest.fixture
def kubeconfig(tmp_path: Path) -> Path:
    path = tmp_path / "kubeconfig"
    write_kubeconfig(path, ROWS)
    return path


def test_the_table_has_more_than_twenty_contexts() -> None:
    assert len(ROWS) >= 20 and len({(r.name, r.server, str(r.env), str(r.cluster)) for r in ROWS}) == len(ROWS)


@pytest.mark.parametrize("index", range(len(ROWS)), ids=[f"{r.name}:{r.server or '-'}" for r in ROWS])
def test_each_context_is_judged_by_where_its_requests_go(index: int, kubeconfig: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    row = ROWS[index]
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    for var, value in row.env.items():
        monkeypatch.setenv(var, value)
    contexts, _current = load_contexts(str(kubeconfig))
    context = next(c for c in contexts if c.name == f"{row.name}#{index}")
    # the name the tools would give such a cluster, without the table's suffix
    context = type(context)(**{**context.__dict__, "name": row.name})
    guard = Guard.for_context(context, resolver=stub_resolver)
    assert guard.locality.badge is row.badge, guard.locality.reason
    assert row.because in guard.locality.reason
    if row.badge is Badge.REMOTE:
        assert guard.refusal("change routes") is not None and "--allow-remote" in guard.refusal("change routes")
    else:
        assert guard.refusal("change routes") is None


@pytest.mark.filterwarnings("ignore:SOCKS support in urllib3")
@pytest.mark.parametrize("index", [i for i, r in enumerate(ROWS) if r.server.startswith("http")],
                         ids=[f"{r.name}:{r.server}" for r in ROWS if r.server.startswith("http")])
def test_the_guard_models_the_proxy_the_official_client_uses(index: int, kubeconfig: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The same context through `KubeClient.connect` (the official client's loader): same proxy, same verdict."""
    import urllib.request

    from kubernetes.client import rest

    row = ROWS[index]
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    for var, value in row.env.items():
        monkeypatch.setenv(var, value)
    kube = KubeClient.connect(str(kubeconfig), f"{row.name}#{index}")  # prepares; runs and sends nothing
    try:
        try:
            kube.api_client  # noqa: B018 - builds the official client: credentials, TLS files, the pool manager
        except MeshtuiError:  # the client itself cannot use it (a proxy without scheme, socks without PySocks)
            assert row.badge is Badge.REMOTE
            return
        config = kube.api_client.configuration
        client_uses = config.proxy if config.proxy and not rest.should_bypass_proxies(
            config.host, config.no_proxy or "") else None
        modelled = effective_proxy(kube.context.server.rstrip("/"), kube.context.proxy_url,
                                   urllib.request.getproxies())
        assert modelled.url == client_uses
        assert (no_proxy_matches(config.host, config.no_proxy or "")
                == rest.should_bypass_proxies(config.host, config.no_proxy or ""))
        live = Guard.for_client(kube, resolver=stub_resolver)
        offline = Guard.for_context(kube.context, resolver=stub_resolver)
        assert live.locality == offline.locality
        assert live.locality.is_local == (row.badge is not Badge.REMOTE)
    finally:
        kube.close()


@pytest.mark.parametrize("server,no_proxy", [
    ("https://10.1.2.3:6443", "10.0.0.0/8"), ("https://api.corp.example:6443", ".corp.example"),
    ("https://api.corp.example:6443", "corp.example"), ("https://api.corp.example:6443", "api.corp.example:6443"),
    ("https://xcorp.example:6443", "corp.example"), ("https://[::1]:6443", "::1"), ("https://h:1", "*"),
    ("https://h:1", " , "), ("https://127.0.0.1:6443", "127.0.0.2"), ("https://LOCALHOST:6443", "localhost")])
def test_no_proxy_rules_match_the_client(server: str, no_proxy: str) -> None:
    from kubernetes.client import rest

    assert no_proxy_matches(server, no_proxy) == rest.should_bypass_proxies(server, no_proxy)


def _context(kubeconfig: Path, name: str, server: str, ca: bytes | None, proxy_url: str | None = None) -> Guard:
    cluster: dict = {"server": server, **({"proxy-url": proxy_url} if proxy_url else {})}
    if ca is not None:
        cluster["certificate-authority-data"] = base64.b64encode(ca).decode()
    kubeconfig.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": name, "clusters": [{"name": "c", "cluster": cluster}],
        "contexts": [{"name": name, "context": {"cluster": "c", "user": "u"}}],
        "users": [{"name": "u", "user": {"token": "t"}}]}))
    contexts, _ = load_contexts(str(kubeconfig))
    return Guard.for_context(contexts[0], proxies={}, resolver=stub_resolver)


def test_created_by_meshtui_counts_only_with_the_same_server_and_ca(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    made = _context(kubeconfig, "minikube", "https://192.168.49.2:8443", CA_A)
    assert made.locality.badge is Badge.REMOTE  # nothing recorded yet: a private address is not local
    state.record_created("minikube", cluster_identity(made.context), "minikube")
    assert _context(kubeconfig, "minikube", "https://192.168.49.2:8443", CA_A).locality.reason.startswith(
        "created by meshtui")
    # same name and server, another CA: another cluster took the address
    assert _context(kubeconfig, "minikube", "https://192.168.49.2:8443", CA_B).locality.badge is Badge.REMOTE
    # same CA, another server; and the same name without any CA
    assert _context(kubeconfig, "minikube", "https://192.168.49.3:8443", CA_A).locality.badge is Badge.REMOTE
    assert _context(kubeconfig, "minikube", "http://192.168.49.2:8443", None).locality.badge is Badge.REMOTE
    # records without a CA never make a context local (the http sim is local by its address anyway)
    state.record_created("plain", cluster_identity(_context(kubeconfig, "plain", "http://10.2.3.4:80", None).context))
    assert _context(kubeconfig, "plain", "http://10.2.3.4:80", None).locality.badge is Badge.REMOTE


def test_a_pin_in_config_yaml_needs_the_exact_context_and_server(tmp_path: Path) -> None:
    config = Path(tmp_path / "xdg-config" / "meshtui")
    config.mkdir(parents=True)
    (config / "config.yaml").write_text("local_contexts:\n  - {context: lab-vm, server: 'https://192.168.64.5:6443'}\n")
    kubeconfig = tmp_path / "kubeconfig"
    pinned = _context(kubeconfig, "lab-vm", "https://192.168.64.5:6443", CA_A)
    assert pinned.locality.badge is Badge.LOCAL and pinned.locality.pinned
    assert "pinned as local in config.yaml" in pinned.locality.reason
    assert _context(kubeconfig, "lab-vm", "https://192.168.64.6:6443", CA_A).locality.badge is Badge.REMOTE
    assert _context(kubeconfig, "lab-vm2", "https://192.168.64.5:6443", CA_A).locality.badge is Badge.REMOTE


def test_a_pin_or_a_creation_record_never_vouches_for_a_proxy(tmp_path: Path) -> None:
    """Both name the API server; a remote proxy in between reaches "that" address on its own machine and sees
    every request, so the context is REMOTE whatever the records say (a loopback proxy is fine)."""
    config = Path(tmp_path / "xdg-config" / "meshtui")
    config.mkdir(parents=True)
    (config / "config.yaml").write_text("local_contexts:\n  - {context: lab-vm, server: 'https://192.168.64.5:6443'}\n")
    kubeconfig = tmp_path / "kubeconfig"
    via = _context(kubeconfig, "lab-vm", "https://192.168.64.5:6443", CA_A, proxy_url="http://10.0.0.1:3128")
    assert via.locality.badge is Badge.REMOTE and "the proxy 10.0.0.1:3128" in via.locality.reason
    near = _context(kubeconfig, "lab-vm", "https://192.168.64.5:6443", CA_A, proxy_url="http://127.0.0.1:3128")
    assert near.locality.badge is Badge.LOCAL and near.locality.pinned
    made = _context(kubeconfig, "minikube", "https://192.168.49.2:8443", CA_A)
    state.record_created("minikube", cluster_identity(made.context), "minikube")
    assert _context(kubeconfig, "minikube", "https://192.168.49.2:8443", CA_A).locality.badge is Badge.LOCAL
    proxied = _context(kubeconfig, "minikube", "https://192.168.49.2:8443", CA_A, proxy_url="http://10.0.0.1:3128")
    assert proxied.locality.badge is Badge.REMOTE and "proxy" in proxied.locality.reason


def test_an_unreadable_created_record_is_moved_aside_and_named_in_the_refusal(tmp_path: Path) -> None:
    record = tmp_path / "xdg-state" / "meshtui" / "created-contexts.json"
    record.parent.mkdir(parents=True)
    record.write_text('["kind-prod", "minikube"]')  # the old format: names only, which proves nothing
    guard = _context(tmp_path / "kubeconfig", "kind-prod", "https://203.0.113.50:6443", CA_A)
    assert guard.locality.badge is Badge.REMOTE
    refusal = guard.refusal("change routes") or ""
    assert "moved it to" in refusal and "created-contexts.json.corrupt-" in refusal
    assert not record.exists() and list(record.parent.glob("created-contexts.json.corrupt-*"))


def test_hostile_text_in_a_server_url_reaches_the_reason_inert(tmp_path: Path) -> None:
    guard = _context(tmp_path / "kubeconfig", "x\x1b]0;pwned\x07", "https://ev\u202eil\x1b[2J.example:6443", None)
    reason = guard.locality.reason
    assert guard.locality.badge is Badge.REMOTE
    assert "\x1b" not in reason and "\u202e" not in reason and "\x07" not in reason


@pytest.mark.parametrize(("server", "proxy_url", "env", "expected"), [
    ("https://api.example:6443", None, {"HTTPS_PROXY": "proxy.corp:3128", "https_proxy": "http://127.0.0.1:1"},
     "http://proxy.corp:3128"),  # upper case wins in Go, a bare host:port is an http proxy
    ("https://127.0.0.1:6443", None, {"HTTPS_PROXY": "http://proxy.corp:3128"}, None),  # never for loopback IPs
    ("https://localhost:6443", None, {"HTTPS_PROXY": "http://proxy.corp:3128"}, None),
    ("https://api.example:6443", "", {"HTTPS_PROXY": "http://proxy.corp:3128"}, "http://proxy.corp:3128"),
    ("https://api.example:6443", None, {"HTTPS_PROXY": "http://p:1", "NO_PROXY": ".example"}, None),
    ("https://api.example:6443", None, {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "other", "no_proxy": "*"},
     "http://p:1"),  # NO_PROXY before no_proxy
    ("https://10.0.0.5:6443", None, {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "10.0.0.0/8"}, None),
    ("http://api.example:80", "socks5://127.0.0.1:1080", {}, "socks5://127.0.0.1:1080"),
])
def test_the_guard_models_the_proxy_kubectl_and_istioctl_use(server: str, proxy_url: str | None,
                                                             env: dict[str, str], expected: str | None) -> None:
    from meshtui.domain.endpoints import go_proxy

    assert go_proxy(server, proxy_url, env).url == expected


def test_a_server_side_dry_run_is_refused_where_a_write_is(tmp_path: Path) -> None:
    """`?dryRun=All` is a write request on the wire (admission webhooks, audit log): same refusals (review #11)."""
    from meshtui.domain.errors import GuardRefused

    path = tmp_path / "remote.kc"
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "current-context": "kind-r",
        "clusters": [{"name": "r", "cluster": {"server": "http://192.0.2.2:6443"}}],
        "contexts": [{"name": "kind-r", "context": {"cluster": "r", "user": "u"}}],
        "users": [{"name": "u", "user": {"token": "t"}}]}))
    kube = KubeClient.connect(str(path), "kind-r")
    with pytest.raises(GuardRefused, match=r"server-side dry run, still a write request\) refused: .*REMOTE") as err:
        Guard.for_client(kube).check("routes set", dry_run=True)
    assert "--allow-remote to let the dry run reach" in (err.value.hint or "")
    with pytest.raises(GuardRefused, match="--read-only"):
        Guard.for_client(kube, allow_remote=True, read_only=True).check("routes set", dry_run=True)
    Guard.for_client(kube, allow_remote=True).check("routes set", dry_run=True)  # the user's responsibility
