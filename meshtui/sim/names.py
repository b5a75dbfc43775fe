"""The string formats Kubernetes validates, with the API server's own wording.

Facts from apimachinery `pkg/util/validation/validation.go` (v1.32): DNS-1123 labels
(63) and subdomains (253), DNS-1035 labels, qualified names (label and annotation keys:
optional DNS-subdomain prefix + `/` + a 63-character name), label values (63, may be
empty), port names (IANA_SVC_NAME, 15), port numbers, ConfigMap/Secret keys, and the
path-segment rule every name must pass (`.`/`..` and `/`, `%` forbidden). Each check
returns the list of messages a real server puts after `Invalid value: "...":`; an
empty list means valid. Lengths are counted in UTF-8 bytes, as Go's `len` counts.
Patterns are matched against the whole string (a trailing newline never slips through).
"""

from __future__ import annotations

import re

DNS1123_LABEL_MAX = 63
DNS1123_SUBDOMAIN_MAX = 253
QUALIFIED_NAME_MAX = 63
LABEL_VALUE_MAX = 63

DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*"
DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
LABEL_VALUE_FMT = "(" + QUALIFIED_NAME_FMT + ")?"
CONFIG_MAP_KEY_FMT = "[-._a-zA-Z0-9]+"

_LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
              "start and end with an alphanumeric character")
_SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                  "and must start and end with an alphanumeric character")
_DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
                "alphabetic character, and end with an alphanumeric character")
_QUALIFIED_MSG = ("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
                  "alphanumeric character")
_LABEL_VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
                    "and must start and end with an alphanumeric character")
_CONFIG_KEY_MSG = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"


def byte_len(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def max_len_error(limit: int) -> str:
    return f"must be no more than {limit} characters"


def regex_error(message: str, fmt: str, *examples: str) -> str:
    """apimachinery's RegexError wording."""
    if not examples:
        return f"{message} (regex used for validation is '{fmt}')"
    shown = " or ".join(f"'{e}', " for e in examples)
    return f"{message} (e.g. {shown}regex used for validation is '{fmt}')"


def _matches(fmt: str, text: str) -> bool:
    return re.fullmatch(fmt, text) is not None


def dns1123_label(value: str) -> list[str]:
    errs = []
    if byte_len(value) > DNS1123_LABEL_MAX:
        errs.append(max_len_error(DNS1123_LABEL_MAX))
    if not _matches(DNS1123_LABEL_FMT, value):
        if _matches(DNS1123_SUBDOMAIN_FMT, value):
            errs.append("must not contain dots")
        else:
            errs.append(regex_error(_LABEL_MSG, DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def dns1123_subdomain(value: str) -> list[str]:
    errs = []
    if byte_len(value) > DNS1123_SUBDOMAIN_MAX:
        errs.append(max_len_error(DNS1123_SUBDOMAIN_MAX))
    if not _matches(DNS1123_SUBDOMAIN_FMT, value):
        errs.append(regex_error(_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def dns1035_label(value: str) -> list[str]:
    errs = []
    if byte_len(value) > DNS1123_LABEL_MAX:
        errs.append(max_len_error(DNS1123_LABEL_MAX))
    if not _matches(DNS1035_LABEL_FMT, value):
        errs.append(regex_error(_DNS1035_MSG, DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


def qualified_name(value: str) -> list[str]:
    """Label keys, annotation keys (lowercased first), finalizers, condition types."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs += ["prefix part " + m for m in dns1123_subdomain(prefix)]
    else:
        return ["a qualified name " + regex_error(_QUALIFIED_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    if not name:
        errs.append("name part must be non-empty")
    elif byte_len(name) > QUALIFIED_NAME_MAX:
        errs.append("name part " + max_len_error(QUALIFIED_NAME_MAX))
    if not _matches(QUALIFIED_NAME_FMT, name):
        errs.append("name part " + regex_error(_QUALIFIED_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc"))
    return errs


def label_value(value: str) -> list[str]:
    errs = []
    if byte_len(value) > LABEL_VALUE_MAX:
        errs.append(max_len_error(LABEL_VALUE_MAX))
    if not _matches(LABEL_VALUE_FMT, value):
        errs.append(regex_error(_LABEL_VALUE_MSG, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def path_segment(value: str, prefix: bool = False) -> list[str]:
    """The rule every name passes (generic ObjectMeta validation): it must be a safe URL path segment."""
    if not prefix and value in (".", ".."):
        return [f"may not be '{value}'"]
    return [f"may not contain '{bad}'" for bad in ("/", "%") if bad in value]


def port_name(value: str) -> list[str]:
    """IANA_SVC_NAME: at most 15 of [-a-z0-9], at least one letter, no `--`, no edge hyphen."""
    errs = []
    if byte_len(value) > 15:
        errs.append(max_len_error(15))
    if not _matches("[-a-z0-9]+", value):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", value):
        errs.append("must contain at least one letter (a-z)")
    if "--" in value:
        errs.append("must not contain consecutive hyphens")
    if value and (value[0] == "-" or value[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def port_number(value: int) -> list[str]:
    return [] if 1 <= value <= 65535 else ["must be between 1 and 65535, inclusive"]


def config_map_key(value: str) -> list[str]:
    """Keys of ConfigMap `data`/`binaryData` and Secret `data`."""
    errs = []
    if byte_len(value) > DNS1123_SUBDOMAIN_MAX:
        errs.append(max_len_error(DNS1123_SUBDOMAIN_MAX))
    if not _matches(CONFIG_MAP_KEY_FMT, value):
        errs.append(regex_error(_CONFIG_KEY_MSG, CONFIG_MAP_KEY_FMT, "key.name", "KEY_NAME", "key-name"))
    if value == ".":
        errs.append("must not be '.'")
    elif value == "..":
        errs.append("must not be '..'")
    elif value.startswith(".."):
        errs.append("must not start with '..'")
    return errs


def env_var_name(value: str) -> list[str]:
    """RelaxedEnvironmentVariableValidation (beta, on by default in v1.32): printable ASCII but `=`."""
    if not value:
        return ["environment variable name must be non-empty"]
    if any(not (0x20 <= ord(ch) < 0x7F) or ch == "=" for ch in value):
        return ["a valid environment variable name must consist only of printable ASCII characters other than '='"]
    return []


def mask_trailing_dash(name: str) -> str:
    """How a `generateName` prefix is checked: a trailing `-` stands for the suffix to come."""
    return name[:-2] + "a" if name.endswith("-") else name


def name_rule(kind: str) -> str:
    """Which format a kind's `metadata.name` must have (pkg/apis/*/validation)."""
    return {"Namespace": "dns1123_label", "Service": "dns1035_label", "Event": "path_segment"}.get(kind,
                                                                                                   "dns1123_subdomain")


def check_name(kind: str, name: str, prefix: bool = False) -> list[str]:
    rule = name_rule(kind)
    if rule == "path_segment":
        return path_segment(name, prefix)
    if prefix:
        name = mask_trailing_dash(name)
    return {"dns1123_label": dns1123_label, "dns1035_label": dns1035_label,
            "dns1123_subdomain": dns1123_subdomain}[rule](name)
