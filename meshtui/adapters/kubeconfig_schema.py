"""The kubeconfig's shape, checked before anything reads a value from it.

kubectl decodes a kubeconfig into typed Go structs (k8s.io/client-go/tools/clientcmd/api/v1)
and refuses a file where `server` is a number or two contexts share a name; the Python
client instead fails later with messages such as "'int' object has no attribute 'rstrip'",
or silently keeps the first of two same-named entries. meshtui checks the fields either of
them reads, with kubectl's types, so such a file is one message with file:line and exit 2,
and the guard never judges a value that a tool would read differently.

A `null` leaf is refused too: kubectl reads it as "", the Python client as a missing key it
then fails on. Lists written as `null` (as `kubectl config view` prints empty ones) are fine.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from meshtui.config.safe_yaml import line_of
from meshtui.domain.errors import ProfileError
from meshtui.domain.text import inert

KINDS = (("clusters", "cluster"), ("contexts", "context"), ("users", "user"))
FIELDS: dict[str, dict[str, type]] = {
    "cluster": {"server": str, "proxy-url": str, "certificate-authority": str, "certificate-authority-data": str,
                "tls-server-name": str, "insecure-skip-tls-verify": bool, "disable-compression": bool,
                "extensions": list},
    "context": {"cluster": str, "user": str, "namespace": str, "extensions": list},
    "user": {"token": str, "tokenFile": str, "client-certificate": str, "client-certificate-data": str,
             "client-key": str, "client-key-data": str, "username": str, "password": str, "exec": dict,
             "auth-provider": dict, "as": str},
    "exec": {"command": str, "apiVersion": str, "provideClusterInfo": bool, "interactiveMode": str,
             "installHint": str},
}
_TYPE_WORDS = {str: "a string", bool: "true or false", list: "a list", dict: "a mapping"}


class KubeconfigInvalid(ProfileError):
    """A kubeconfig that kubectl or the client would refuse or read differently (exit 2, file:line)."""


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "true/false", int: "a number", float: "a number", str: "a string", list: "a list",
            dict: "a mapping"}.get(type(value), type(value).__name__)


class _Checker:
    def __init__(self, root: yaml.Node | None, path: str) -> None:
        self.root, self.path = root, path

    def fail(self, message: str, loc: tuple[Any, ...]) -> KubeconfigInvalid:
        return KubeconfigInvalid(inert(message), path=self.path, line=line_of(self.root, loc),
                                 field=".".join(str(part) for part in loc) or None)

    def typed(self, mapping: Mapping[str, Any], types: Mapping[str, type], loc: tuple[Any, ...]) -> None:
        for key, wanted in types.items():
            if key not in mapping:
                continue
            value = mapping[key]
            if not isinstance(value, wanted) or (wanted is not bool and isinstance(value, bool)):
                if value is None and wanted is list:
                    continue
                raise self.fail(f"must be {_TYPE_WORDS[wanted]}, not {_kind_of(value)}", (*loc, key))

    def exec_plugin(self, plugin: Mapping[str, Any], loc: tuple[Any, ...]) -> None:
        self.typed(plugin, FIELDS["exec"], loc)
        for key in ("command", "apiVersion"):
            if not plugin.get(key):
                raise self.fail(f"the exec credential plugin needs '{key}'", loc)
        args = plugin.get("args")
        if args is not None and (not isinstance(args, list) or not all(isinstance(a, str) for a in args)):
            raise self.fail("must be a list of strings", (*loc, "args"))
        env = plugin.get("env")
        if env is None:
            return
        if not isinstance(env, list):
            raise self.fail(f"must be a list of {{name, value}}, not {_kind_of(env)}", (*loc, "env"))
        for i, item in enumerate(env):
            if not isinstance(item, dict) or not isinstance(item.get("name"), str) \
                    or not isinstance(item.get("value"), str):
                raise self.fail("each entry needs a string name and a string value", (*loc, "env", i))

    def entries(self, data: Mapping[str, Any], kind: str, inner: str) -> None:
        items = data.get(kind)
        if items is None:
            return
        if not isinstance(items, list):
            raise self.fail(f"must be a list, not {_kind_of(items)}", (kind,))
        first_line: dict[str, int | None] = {}
        for i, item in enumerate(items):
            loc: tuple[Any, ...] = (kind, i)
            if not isinstance(item, dict):
                raise self.fail(f"each entry must be a mapping with 'name' and '{inner}'", loc)
            name = item.get("name")
            if not isinstance(name, str) or not name:
                raise self.fail(f"needs a name (a non-empty string), not {_kind_of(name)}", (*loc, "name"))
            if name in first_line:  # kubectl: `duplicate name "x" in list`; the client silently took the first
                raise self.fail(f"duplicate name {name!r} in {kind} (first at line {first_line[name]}); kubectl "
                                "refuses such a file: rename or remove one", (*loc, "name"))
            first_line[name] = line_of(self.root, (*loc, "name"))
            body = item.get(inner)
            if body is None:
                continue
            if not isinstance(body, dict):
                raise self.fail(f"must be a mapping, not {_kind_of(body)}", (*loc, inner))
            self.typed(body, FIELDS[inner], (*loc, inner))
            if inner == "user" and isinstance(body.get("exec"), dict):
                self.exec_plugin(body["exec"], (*loc, inner, "exec"))


def check_document(root: yaml.Node | None, data: Any, path: str) -> None:
    """Raise `KubeconfigInvalid` unless `data` (one file's YAML) has kubeconfig's shape and types."""
    if data is None:
        return
    checker = _Checker(root, path)
    if not isinstance(data, dict):
        raise checker.fail(f"a kubeconfig must be a mapping (apiVersion, clusters, contexts, users), not "
                           f"{_kind_of(data)}", ())
    current = data.get("current-context")
    if current is not None and not isinstance(current, str):
        raise checker.fail(f"must be a string, not {_kind_of(current)}", ("current-context",))
    for kind, inner in KINDS:
        checker.entries(data, kind, inner)
