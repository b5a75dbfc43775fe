"""Host names and labels as istiod's validating webhook checks them (istio/istio `pkg/config`).

Hosts of a VirtualService, the host of a DestinationRule and every destination host go
through `ValidateWildcardDomain`: at most 255 characters, not empty, a first label that
is a DNS-1123 label optionally led by `*` or `*-` (or just `*`), every other label a
DNS-1123 label (the last may be empty, as in `istio.io.`), and a top-level label that is
not all digits; an IP address is also accepted where the webhook accepts one (VS hosts).
Subset labels go through `labels.Instance.Validate`: a Kubernetes qualified name (with an
optional DNS prefix) as key, and a value of alphanumerics, `-`, `_` and `.` that starts
and ends with an alphanumeric (or is empty). Written here from those rules; no code is
shared with the product.
"""

from __future__ import annotations

import ipaddress
import re

DNS1123_LABEL_MAX = 63
_LABEL = r"[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?"
_DNS1123 = re.compile(f"^{_LABEL}$")
_WILDCARD_FIRST = re.compile(rf"^(\*|(\*|\*-)?{_LABEL})$")
_QUALIFIED = r"(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_KEY = re.compile(rf"^({_LABEL}(?:\.{_LABEL})*/)?({_QUALIFIED})$")
_LABEL_VALUE = re.compile(rf"^({_QUALIFIED})?$")


def _dns1123_labels(domain: str) -> str | None:
    parts = domain.split(".")
    if parts[-1].isascii() and parts[-1].isdigit():
        return f'domain name "{domain}" invalid (top level domain "{parts[-1]}" cannot be all-numeric)'
    for i, label in enumerate(parts):
        if i == len(parts) - 1 and label == "":
            return None
        if len(label) > DNS1123_LABEL_MAX or not _DNS1123.fullmatch(label):
            return f'domain name "{domain}" invalid (label "{label}" invalid)'
    return None


def wildcard_domain_problem(domain: str) -> str | None:
    """Why istiod's ValidateWildcardDomain rejects `domain` (None: accepted)."""
    if len(domain) > 255:
        return f'domain name "{domain}" too long (max 255)'
    if not domain:
        return "empty domain name not allowed"
    first, _, rest = domain.partition(".")
    if len(first) > DNS1123_LABEL_MAX or not _WILDCARD_FIRST.fullmatch(first):
        return f'domain name "{domain}" invalid (label "{first}" invalid)'
    return _dns1123_labels(rest) if "." in domain else None


def is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def label_problems(labels: dict) -> list[str]:
    """What labels.Instance.Validate reports for a subset's labels (empty: valid)."""
    problems = []
    for key, value in labels.items():
        match = _LABEL_KEY.fullmatch(str(key))
        if match is None:
            problems.append(f'invalid tag key: "{key}"')
        elif match.group(1) and len(match.group(1)) - 1 > 253:
            problems.append(f'invalid tag key: "{key}" (DNS prefix is too long)')
        elif len(match.group(2)) > DNS1123_LABEL_MAX:
            problems.append(f'invalid tag key: "{key}" (name is too long)')
        if not isinstance(value, str) or not _LABEL_VALUE.fullmatch(value):
            problems.append(f'invalid tag value: "{value}"')
    return problems
