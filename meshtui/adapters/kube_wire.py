"""How a request to the API server failed, in words a user can act on; and a proxy the client cannot use.

urllib3 wraps the real cause several times (`MaxRetryError` -> `SSLError` -> the `ssl`
module's error), and its message ends with the one part that matters, often after a
colon; cutting at the last colon left "1006)')))". `describe` walks the chain to the
cause and names it: a TLS verification failure with its reason, a server that accepted
the connection but never answered (with the timeout), a refused connection, a proxy error.
"""

from __future__ import annotations

from typing import Any

from meshtui.domain.errors import UsageError
from meshtui.domain.text import inert


def check_socks(configuration: Any) -> None:
    """A SOCKS proxy needs PySocks, which the client imports only on first use: say so now, clearly."""
    from kubernetes.client import rest

    proxy = configuration.proxy
    if proxy and rest.is_socks_proxy_url(proxy) and not rest.should_bypass_proxies(configuration.host,
                                                                                    configuration.no_proxy or ""):
        try:
            import socks  # noqa: F401
        except ImportError:
            raise UsageError(inert(f"the proxy {proxy} is a SOCKS proxy, which needs the PySocks package "
                                   "(not installed)"), hint="pip install pysocks, or use an http:// proxy") from None


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and what it wraps, outermost first (urllib3 nests the real cause several levels deep)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 8:
        seen.append(current)
        reason = getattr(current, "reason", None)
        nested = reason if isinstance(reason, BaseException) else next(
            (a for a in current.args if isinstance(a, BaseException)), None)
        current = nested or current.__cause__ or current.__context__
    return seen


def describe(exc: BaseException, timeout: Any) -> str:
    """What went wrong on the wire, in words, keeping the text that matters (a TLS error's reason)."""
    import ssl

    import urllib3

    seen = _chain(exc)
    read = timeout[1] if isinstance(timeout, tuple) else timeout
    within = f"within {read:g} s" if isinstance(read, (int, float)) else "in time"
    for error in seen:
        if isinstance(error, ssl.SSLCertVerificationError):
            return f"TLS: certificate verify failed: {error.verify_message or error.reason}"
        if isinstance(error, ssl.SSLError):
            return f"TLS: {error.reason or error}"
        if isinstance(error, urllib3.exceptions.ReadTimeoutError):
            return f"it accepted the connection but did not answer {within}"
        if isinstance(error, urllib3.exceptions.ConnectTimeoutError):
            return "it did not accept a connection in time"
        if isinstance(error, ConnectionRefusedError) or "Connection refused" in str(error):
            return "connection refused"
        if isinstance(error, urllib3.exceptions.ProxyError):
            return f"the proxy failed: {_text(error.original_error if hasattr(error, 'original_error') else error)}"
        if isinstance(error, urllib3.exceptions.ProtocolError):
            return f"the connection broke: {_text(error)}"
    return _text(seen[-1] if seen else exc)


def brief(exc: BaseException, timeout: Any) -> tuple[str, str] | None:
    """What went wrong on the wire as (kind, a few plain words) for a notice, or None when it is not known:
    ("timeout", "timed out after 120 s"), ("refused", "connection refused"), ("cut", "connection cut"),
    ("tls", "TLS error"), ("proxy", "proxy failed"). Never the library's own text."""
    import ssl

    import urllib3

    connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
    for error in _chain(exc):
        if isinstance(error, ssl.SSLError):
            return "tls", "TLS error"
        if isinstance(error, urllib3.exceptions.ConnectTimeoutError):
            return "timeout", f"no connection after {connect:g} s" if isinstance(connect, (int, float)) \
                else "no connection in time"
        if isinstance(error, (urllib3.exceptions.ReadTimeoutError, TimeoutError)):
            return "timeout", f"timed out after {read:g} s" if isinstance(read, (int, float)) else "timed out"
        if isinstance(error, ConnectionRefusedError) or "Connection refused" in str(error):
            return "refused", "connection refused"
        if isinstance(error, urllib3.exceptions.ProxyError):
            return "proxy", "proxy failed"
        if isinstance(error, (urllib3.exceptions.ProtocolError, ConnectionError)):
            return "cut", "connection cut"
    return None


def _text(error: BaseException) -> str:
    text = str(error).replace("\n", " ").strip()
    for prefix in ("Failed to establish a new connection: ", "Max retries exceeded with url: "):
        if prefix in text:
            text = text.split(prefix, 1)[1]
    return inert(text[:240]) or type(error).__name__
