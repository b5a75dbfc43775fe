"""Label selector syntax, checked before a query is sent: what the API server would refuse with a 400.

`meshtui logs -l` and the Logs panel's query box take a Kubernetes label selector. The server
parses it anyway; checking it first means one clear message and exit 2 from the CLI, and in
the TUI a bad selector is refused before the running query is stopped (a reviewer saw
`-l app=(` stop the query that was showing). The grammar is apimachinery's `labels.Parse`:
comma-separated requirements, each `key`, `!key`, `key=value`, `key==value`, `key!=value`,
`key in (v1,v2)`, `key notin (v1,v2)`, or `key>N` / `key<N` (integers). Keys are qualified
names (an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters); values
are label values (at most 63 characters, may be empty).
"""

from __future__ import annotations

import re

_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")
_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_TOKEN = re.compile(r"\s*(==|!=|=|!|\(|\)|,|<|>|[^\s!=(),<>]+)")
_INTEGER = re.compile(r"^-?[0-9]+$")


class SelectorSyntaxError(ValueError):
    """Why a label selector would be refused; the message names the part."""


def _key(key: str) -> None:
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not _SUBDOMAIN.match(prefix)):
        raise SelectorSyntaxError(f"{key!r} is not a label key: the prefix before '/' must be a DNS subdomain")
    if len(name) > 63 or not _NAME.match(name):
        raise SelectorSyntaxError(f"{key!r} is not a label key: a name of at most 63 letters, digits, '-', '_' "
                                  "or '.', starting and ending with a letter or digit")


def _value(value: str) -> None:
    if len(value) > 63 or not _VALUE.match(value):
        raise SelectorSyntaxError(f"{value!r} is not a label value: at most 63 letters, digits, '-', '_' or '.', "
                                  "starting and ending with a letter or digit")


OPERATORS = ("==", "!=", "=", "!", "(", ")", ",", "<", ">")


class _Tokens:
    """The selector as tokens, read front to back."""

    def __init__(self, selector: str) -> None:
        self.items = [m.group(1) for m in _TOKEN.finditer(selector.rstrip())]
        self.at = 0

    def peek(self) -> str | None:
        return self.items[self.at] if self.at < len(self.items) else None

    def take(self, what: str) -> str:
        token = self.peek()
        if token is None:
            raise SelectorSyntaxError(f"it ends where {what} is expected")
        self.at += 1
        return token

    def word(self, what: str) -> str:
        token = self.take(what)
        if token in OPERATORS:
            raise SelectorSyntaxError(f"expected {what}, found {token!r}")
        return token


def check_label_selector(selector: str) -> None:
    """Raise `SelectorSyntaxError` when the API server would refuse `selector`; an empty one selects all."""
    tokens = _Tokens(selector)
    while tokens.peek() is not None:
        if tokens.peek() == "!":
            tokens.take("'!'")
            _key(tokens.word("a label key"))
        else:
            _key(tokens.word("a label key"))
            if tokens.peek() not in (None, ","):
                _operation(tokens.take("an operator"), tokens)
        if tokens.peek() is not None:
            found = tokens.take("','")
            if found != ",":
                raise SelectorSyntaxError(f"expected ',' after a requirement, found {found!r}")
            if tokens.peek() is None:
                raise SelectorSyntaxError("it ends with ',' where a requirement is expected")


def _operation(op: str, tokens: _Tokens) -> None:
    if op in ("=", "==", "!="):
        if tokens.peek() not in (None, ","):  # `key=` selects an empty value
            _value(tokens.word("a value"))
    elif op in ("<", ">"):
        value = tokens.word("an integer")
        if not _INTEGER.match(value):
            raise SelectorSyntaxError(f"'{op}' needs an integer, not {value!r}")
    elif op in ("in", "notin"):
        if tokens.take("'('") != "(":
            raise SelectorSyntaxError(f"'{op}' needs a list of values in parentheses: key {op} (a,b)")
        values = 0
        while (token := tokens.take("')'")) != ")":
            if token != ",":
                _value(token if token not in OPERATORS else tokens.word("a value"))
                values += 1
        if not values:
            raise SelectorSyntaxError(f"'{op}' needs at least one value")
    else:
        raise SelectorSyntaxError(f"{op!r} is not an operator: use =, ==, !=, in, notin, <, >")
