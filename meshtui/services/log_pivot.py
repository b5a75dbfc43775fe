"""The pivot's query: every container's lines that carry one request id, as the id is written in a line.

Kept apart from the engine (`logs.collect_pivot` runs it) so the engine's module stays about following.
"""

from __future__ import annotations

import json
import re

from meshtui.services.log_query import LogQuery


def pivot_query(request_id: str, namespace: str | None, all_namespaces: bool = True) -> LogQuery:
    """Every container (sidecars and gateways included) for lines carrying `request_id`."""
    return LogQuery(namespace=namespace, all_namespaces=all_namespaces, sidecars=True, include=id_pattern(request_id),
                    since_seconds=3600, follow=False)


def id_pattern(request_id: str) -> str:
    """A regex for the id as it is written in a line: as is, or JSON-escaped (`\\u001b`, `\\"`, `\\/`),
    since the id comes decoded from the line's fields and the search runs on the raw text."""
    parts = []
    for char in request_id:
        forms = {re.escape(char), re.escape(json.dumps(char)[1:-1]), re.escape(json.dumps(char, ensure_ascii=False)[1:-1])}
        if not char.isascii() or not char.isprintable() or char in "\\\"/":
            forms.add(rf"\\u(?i:{ord(char):04x})" if ord(char) < 0x10000 else re.escape(char))
        if char == "/":
            forms.add(r"\\/")
        parts.append(forms.pop() if len(forms) == 1 else "(?:" + "|".join(sorted(forms)) + ")")
    return "".join(parts)
