"""Where a kubeconfig context's requests really go: the API server URL, the proxy in front of it, their addresses.

The safety guard judges destinations, not names. This module holds the pure half of
that: reading the server and proxy URLs strictly (anything a second URL parser could
read differently is refused), choosing the proxy exactly as the official kubernetes
client does, and judging resolved addresses. The resolving itself (the system
resolver, `socket.getaddrinfo`) happens in `services.guard`.

How the official client (kubernetes 37, `client/configuration.py` and `client/rest.py`)
picks its proxy, which `effective_proxy` mirrors and tests/unit/test_guard_table.py
checks against the installed client:
- `proxy-url` of the kubeconfig cluster, when the key is present (even empty: an empty
  value means "no proxy" and also switches the environment off);
- otherwise `urllib.request.getproxies()` for the server's scheme (`https_proxy` /
  `HTTPS_PROXY` for https, `http_proxy` for http; lower case wins), else `all_proxy`;
- either one is skipped when the server matches `no_proxy` / `NO_PROXY` (`*`, a domain
  or `.domain` suffix, `host:port`, an IP or a CIDR); note that the client applies
  `no_proxy` to `proxy-url` too, which kubectl does not.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

UNIX_SCHEMES = {"unix", "http+unix", "https+unix"}
_HTTP_SCHEMES = {"http", "https", "socks4", "socks4a", "socks5", "socks5h"}
_SUSPICIOUS = re.compile(r"[\x00-\x20\x7f\\@%]")
_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f]")
DEFAULT_PORTS = {"http": 80, "https": 443, "socks4": 1080, "socks4a": 1080, "socks5": 1080, "socks5h": 1080}


class BadUrl(ValueError):
    """A server or proxy URL the guard refuses to interpret (the reason is the message)."""


@dataclass(frozen=True)
class Hop:
    """One destination a request's connection is opened to."""

    role: str
    """'API server' or 'proxy'."""
    url: str
    host: str = ""
    """Host name or IP literal, lower case, without IPv6 brackets ('' for a unix socket)."""
    port: int | None = None
    unix: bool = False

    @property
    def where(self) -> str:
        if self.unix:
            return self.url
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}" if self.port else host


def parse_hop(url: str, role: str) -> Hop:
    """A URL read strictly: http(s)/socks or unix scheme, a plain host, no user info or escapes."""
    text = url.strip()
    if not text:
        raise BadUrl(f"the {role} URL is empty")
    if _CONTROL.search(text):  # urlsplit silently drops tabs and newlines; another parser might not
        raise BadUrl(f"the {role} URL {url!r} contains spaces or control characters")
    try:
        parts = urlsplit(text)
        scheme = parts.scheme.lower()
        if scheme in UNIX_SCHEMES:
            return Hop(role, text, unix=True)
        if scheme not in _HTTP_SCHEMES:
            raise BadUrl(f"the {role} URL {url!r} has no http:// or https:// scheme")
        netloc = parts.netloc
        if not netloc or _SUSPICIOUS.search(netloc):
            raise BadUrl(f"the {role} URL {url!r} has an empty or ambiguous host part")
        host = (parts.hostname or "").lower()
        port = parts.port or DEFAULT_PORTS.get(scheme)
    except BadUrl:
        raise
    except ValueError as exc:  # a bad port, bad brackets
        raise BadUrl(f"the {role} URL {url!r} cannot be read: {exc}") from None
    if not host:
        raise BadUrl(f"the {role} URL {url!r} has no host")
    return Hop(role, text, host, port)


def _split(url: str) -> SplitResult | None:
    try:
        return urlsplit(url)
    except ValueError:  # unbalanced IPv6 brackets and the like: `destinations` refuses such a URL
        return None


def no_proxy_matches(server_url: str, no_proxy: str) -> bool:
    """True when `no_proxy` exempts `server_url` from the proxy (the client's rules)."""
    parts = _split(server_url)
    if parts is None:
        return False
    host = (parts.hostname or "").lower()
    if not host:
        return True
    netloc = parts.netloc.lower()
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    for raw in no_proxy.split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        if ip is not None:
            try:
                if ip in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                pass
        entry = entry.lstrip(".")
        if host == entry or host.endswith("." + entry) or netloc == entry or netloc.endswith("." + entry):
            return True
    return False


@dataclass(frozen=True)
class ProxyChoice:
    """The proxy the client will use for the server (None: it connects directly), and why."""

    url: str | None
    source: str


def effective_proxy(server_url: str, proxy_url: str | None, proxies: Mapping[str, str]) -> ProxyChoice:
    """`proxy_url` is the kubeconfig's `proxy-url` (None when absent); `proxies` is `urllib.request.getproxies()`."""
    if proxy_url is not None:
        chosen, source = proxy_url, "proxy-url in the kubeconfig"
    else:
        parts = _split(server_url)
        scheme = parts.scheme.lower() if parts is not None else ""
        if proxies.get(scheme):
            chosen, source = proxies[scheme], f"{scheme}_proxy in the environment"
        else:
            chosen, source = proxies.get("all") or "", "all_proxy in the environment"
    if not chosen:
        return ProxyChoice(None, "")
    if no_proxy_matches(server_url, proxies.get("no") or ""):
        return ProxyChoice(None, f"no_proxy exempts the server from {source}")
    return ProxyChoice(chosen, source)


AddressKind = str  # "loopback" | "unspecified" | "other"


def address_kind(address: str) -> AddressKind:
    """Judge one resolved address; an IPv4-mapped IPv6 address counts as its IPv4 address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "other"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "loopback"
    if ip.is_unspecified:
        return "unspecified"
    return "other"


def ca_fingerprint(data: bytes) -> str:
    """SHA-256 over the DER bytes of every certificate in a PEM bundle (of the raw bytes when it has none)."""
    text = data.decode("ascii", "replace")
    blocks = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", text, re.S)
    digest = hashlib.sha256()
    if not blocks:
        digest.update(data)
    for block in blocks:
        try:
            digest.update(ssl.PEM_cert_to_DER_cert(block))
        except ValueError:
            digest.update(block.encode())
    return digest.hexdigest()


def normalized_server(server: str) -> str:
    """The server URL compared for identity: lower-case scheme and host, explicit port, no trailing slash."""
    try:
        hop = parse_hop(server, "API server")
    except BadUrl:
        return server.strip()
    if hop.unix:
        return hop.url
    scheme = urlsplit(hop.url).scheme.lower()
    path = urlsplit(hop.url).path.rstrip("/")
    host = f"[{hop.host}]" if ":" in hop.host else hop.host
    return f"{scheme}://{host}:{hop.port}{path}"
