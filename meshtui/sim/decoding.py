"""What the API server does while it decodes a request body, before any validation.

Secrets are stored as real ones are: `data` values are bytes on the wire as base64,
decoded with Go's `base64.StdEncoding` (padding required, CR/LF ignored, anything else
is `illegal base64 data at input byte N`, a 400 BadRequest naming the kind); the v1 ->
internal conversion then writes every `stringData` entry into `data` (stringData wins)
and drops `stringData`, so it is never stored nor returned; an empty `type` defaults
to `Opaque`. ConfigMap `binaryData` is decoded the same way. Values come back in
canonical base64. Metadata fields of the wrong JSON type are decode errors too.
"""

from __future__ import annotations

import base64
from typing import Any

from meshtui.sim.errors import ApiError, TypeMismatch, bad_request

_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_VALUE = {c: i for i, c in enumerate(_ALPHABET)}
_NEWLINES = b"\r\n"


class CorruptInput(ValueError):
    """Go's base64.CorruptInputError."""

    def __init__(self, offset: int) -> None:
        super().__init__(f"illegal base64 data at input byte {offset}")
        self.offset = offset


def go_b64decode(src: bytes) -> bytes:
    """`base64.StdEncoding.DecodeString`, byte offsets of errors included."""
    out = bytearray()
    si, n = 0, len(src)
    while True:
        quantum, j, end = [0, 0, 0, 0], 0, 4
        while j < 4:
            if si == n:
                if j == 0:
                    return bytes(out)
                raise CorruptInput(si - j)
            ch = src[si]
            si += 1
            if ch in _VALUE:
                quantum[j] = _VALUE[ch]
                j += 1
                continue
            if ch in _NEWLINES:
                continue
            if ch != ord("=") or j < 2:
                raise CorruptInput(si - 1)
            if j == 2:  # "==" expected: the first one is consumed
                while si < n and src[si] in _NEWLINES:
                    si += 1
                if si == n:
                    raise CorruptInput(n)
                if src[si] != ord("="):
                    raise CorruptInput(si - 1)
                si += 1
            while si < n and src[si] in _NEWLINES:
                si += 1
            if si < n:
                raise CorruptInput(si)  # trailing garbage
            end = j
            break
        value = quantum[0] << 18 | quantum[1] << 12 | quantum[2] << 6 | quantum[3]
        out += bytes(((value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF))[:end - 1]
        if end < 4:
            return bytes(out)


def cannot_handle(kind: str, version: str, reason: str) -> ApiError:
    return bad_request(f'{kind} in version "{version}" cannot be handled as a {kind}: {reason}')


def _decode_map(values: Any, kind: str, field: str) -> dict[str, bytes]:
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise cannot_handle(kind, "v1", str(TypeMismatch(f"{kind}.{field}", values, "map[string][]uint8")))
    decoded = {}
    for key, text in values.items():
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise cannot_handle(kind, "v1", str(TypeMismatch(f"{kind}.{field}", text, "[]uint8")))
        try:
            decoded[key] = go_b64decode(text.encode("utf-8", "surrogateescape"))
        except CorruptInput as exc:
            raise cannot_handle(kind, "v1", str(exc)) from None
    return decoded


def decode_values(obj: dict, field: str) -> dict[str, bytes]:
    """An already-normalised base64 map (`data` of a Secret, `binaryData` of a ConfigMap) as bytes."""
    return {k: base64.b64decode(v or "") for k, v in (obj.get(field) or {}).items()}


def _encode(values: dict[str, bytes]) -> dict[str, str]:
    return {k: base64.b64encode(v).decode() for k, v in values.items()}


def normalize_secret(obj: dict) -> None:
    values = _decode_map(obj.get("data"), "Secret", "data")
    string_data = obj.pop("stringData", None) or {}
    if not isinstance(string_data, dict) or not all(isinstance(v, str) for v in string_data.values()):
        raise cannot_handle("Secret", "v1", str(TypeMismatch("Secret.stringData", string_data,
                                                             "map[string]string")))
    for key, text in string_data.items():
        values[key] = text.encode("utf-8", "surrogateescape")
    if values or "data" in obj:
        obj["data"] = _encode(values)
    if not obj.get("type"):
        obj["type"] = "Opaque"


def normalize_config_map(obj: dict) -> None:
    if "binaryData" in obj:
        obj["binaryData"] = _encode(_decode_map(obj.get("binaryData"), "ConfigMap", "binaryData"))
    data = obj.get("data")
    if data is not None and (not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values())):
        raise cannot_handle("ConfigMap", "v1", str(TypeMismatch("ConfigMap.data", data, "map[string]string")))


_META_STRINGS = ("name", "generateName", "namespace", "uid", "resourceVersion")
_META_MAPS = ("labels", "annotations")


def check_metadata(kind: str, version: str, meta: Any) -> None:
    """Metadata fields must have their Go types (`labels: {a: 1}` cannot even be decoded)."""
    if not isinstance(meta, dict):
        raise cannot_handle(kind, version, str(TypeMismatch(f"{kind}.metadata", meta, "v1.ObjectMeta")))
    for field in _META_STRINGS:
        if field in meta and meta[field] is not None and not isinstance(meta[field], str):
            raise cannot_handle(kind, version, str(TypeMismatch(f"ObjectMeta.metadata.{field}", meta[field],
                                                                "string")))
    for field in _META_MAPS:
        value = meta.get(field)
        if value is None:
            continue
        if isinstance(value, dict):  # JSON null decodes as the empty string
            meta[field] = value = {k: "" if v is None else v for k, v in value.items()}
        bad = value if not isinstance(value, dict) else next((v for v in value.values() if not isinstance(v, str)),
                                                              None)
        if not isinstance(value, dict) or bad is not None:
            raise cannot_handle(kind, version, str(TypeMismatch(f"ObjectMeta.metadata.{field}", bad,
                                                                "string" if isinstance(value, dict)
                                                                else "map[string]string")))
    finalizers = meta.get("finalizers")
    if finalizers is not None and (not isinstance(finalizers, list) or not all(isinstance(f, str)
                                                                                for f in finalizers)):
        raise cannot_handle(kind, version, str(TypeMismatch("ObjectMeta.metadata.finalizers", finalizers,
                                                            "[]string")))


def normalize(kind: str, version: str, obj: dict) -> None:
    """Decode `obj` as the server would, in place; ApiError 400 when it cannot."""
    check_metadata(kind, version, obj.get("metadata", {}))
    if kind == "Secret":
        normalize_secret(obj)
    elif kind == "ConfigMap":
        normalize_config_map(obj)
