"""Load a profile: YAML -> `${VAR}` interpolation from .env + environment -> `Profile`.

Every failure becomes exactly one `ProfileError` naming the file and the line (and
the field path when there is one), with a did-you-mean for misspelt keys. The YAML is
composed as well as loaded so that a pydantic error location maps back to its line.
"""

from __future__ import annotations

import difflib
import io
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from dotenv import dotenv_values
from pydantic import BaseModel, ValidationError

from meshtui.config import paths, safe_yaml
from meshtui.config.interpolate import InterpolationError, interpolate
from meshtui.config.models import Profile
from meshtui.domain.errors import ProfileError
from meshtui.domain.secrets import is_secret_key
from meshtui.domain.text import inert


@dataclass(frozen=True)
class LoadedProfile:
    """A validated profile plus what was needed to build it."""

    name: str
    path: Path
    profile: Profile
    env: dict[str, str] = field(default_factory=dict)
    secret_values: frozenset[str] = frozenset()

    def resolve(self, relative: Path | str) -> Path:
        """A path from the profile, made absolute against the profile's directory."""
        candidate = Path(relative)
        return candidate if candidate.is_absolute() else (self.path.parent / candidate).resolve()


def read_yaml(path: Path, missing_hint: str | None = None) -> tuple[yaml.Node | None, Any]:
    """The composed node tree (for line numbers) and the data of a YAML file; ProfileError otherwise.

    Read through `safe_yaml`: size cap, nesting, alias and duplicate-key checks, one error with file:line.
    """
    return safe_yaml.load_file(path, missing_hint=missing_hint)


def _model_at(loc: tuple[Any, ...], root: type[BaseModel] = Profile) -> type[BaseModel] | None:
    """The pydantic model class that owns the last key of `loc`, for did-you-mean."""
    model: type[BaseModel] = root
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(str(part))
        if info is None:
            return None
        annotation = info.annotation
        inner = getattr(annotation, "__args__", None)
        candidates = [annotation, *(inner or [])]
        for candidate in candidates:
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                model = candidate
                break
        else:
            return None
    return model


def _describe(error: Mapping[str, Any], root: type[BaseModel] = Profile) -> tuple[str, str | None]:
    """Human text and an optional hint for one pydantic error."""
    loc = tuple(error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        model = _model_at(loc, root)
        hint = None
        if model is not None:
            matches = difflib.get_close_matches(key, list(model.model_fields), n=1, cutoff=0.6)
            if matches:
                hint = f"did you mean '{matches[0]}'?"
            else:
                hint = "allowed keys: " + ", ".join(model.model_fields)
        return f"unknown key '{key}'", hint
    if kind == "missing":
        return f"missing required key '{loc[-1]}'", None
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    return message, None


def _interpolate_tree(node: yaml.Node, data: Any, env: dict[str, str], path: Path, where: tuple) -> Any:
    """Interpolate every string scalar, reporting the line of a failing one."""
    if isinstance(data, str):
        try:
            return interpolate(data, env)
        except InterpolationError as exc:
            raise ProfileError(inert(str(exc)), path=str(path), line=safe_yaml.line_of(node, where),
                               field=".".join(map(str, where)) or None,
                               hint=f"set {exc.variable} in the .env file or the environment, or give a default "
                                    f"with ${{{exc.variable}:-value}}" if exc.variable else None) from None
    if isinstance(data, dict):
        return {key: _interpolate_tree(node, value, env, path, (*where, key)) for key, value in data.items()}
    if isinstance(data, list):
        return [_interpolate_tree(node, value, env, path, (*where, i)) for i, value in enumerate(data)]
    return data


def _env_text(env_path: Path) -> str:
    """The .env file's text, refused with file:line when it is not UTF-8 or a line does not parse
    (python-dotenv only logs such a line and carries on without it)."""
    from dotenv.parser import parse_stream

    raw = env_path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProfileError(f"not UTF-8 text (byte 0x{raw[exc.start]:02x})", path=str(env_path),
                           line=raw.count(b"\n", 0, exc.start) + 1,
                           hint="save the file as UTF-8") from None
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            raise ProfileError("cannot parse this line (expected NAME=value, a comment or a blank line)",
                               path=str(env_path), line=binding.original.line,
                               hint="quote values with spaces: NAME=\"a value\"")
    return text


def _read_env(path: Path, data: dict[str, Any], root: yaml.Node) -> tuple[dict[str, str], dict[str, str]]:
    """The .env values and the merged environment (process environment wins, as in compose)."""
    declared = data.get("env_file")
    if declared is not None and not isinstance(declared, str):
        raise ProfileError("env_file must be a path", path=str(path), line=safe_yaml.line_of(root, ("env_file",)),
                           field="env_file")
    env_path = (path.parent / declared) if declared else path.parent / ".env"
    file_values: dict[str, str] = {}
    if declared and not env_path.is_file():
        raise ProfileError(f"env file {env_path} does not exist", path=str(path),
                           line=safe_yaml.line_of(root, ("env_file",)), field="env_file",
                           hint=f"create {env_path} or remove env_file")
    if env_path.is_file():
        if env_path.stat().st_size > safe_yaml.LIMITS.max_bytes:
            raise ProfileError(f"env file {env_path} is larger than {safe_yaml.LIMITS.max_bytes // 1048576} MiB",
                               path=str(path), field="env_file")
        file_values = {k: v for k, v in dotenv_values(stream=io.StringIO(_env_text(env_path))).items()
                       if v is not None}
    merged = {**file_values, **os.environ}
    return file_values, merged


def _check_files(loaded: Profile, path: Path, root: yaml.Node) -> None:
    """Paths named by the profile must exist, so `up` fails at validate time, not halfway."""
    checks: list[tuple[tuple, Path]] = []
    if loaded.istio.overlay is not None:
        checks.append((("istio", "overlay"), loaded.istio.overlay))
    for i, app in enumerate(loaded.apps):
        checks.append((("apps", i, "manifests"), app.manifests))
        for j, build in enumerate(app.build):
            checks.append((("apps", i, "build", j, "context"), build.context))
    for loc, relative in checks:
        target = relative if relative.is_absolute() else path.parent / relative
        if not target.exists():
            raise ProfileError(f"{relative} does not exist (looked in {target.parent})", path=str(path),
                               line=safe_yaml.line_of(root, loc), field=".".join(map(str, loc)))


def load_profile_file(path: Path) -> LoadedProfile:
    """Load and validate one profile file; raises `ProfileError` on any problem."""
    path = Path(path)
    if not path.is_file():
        raise ProfileError("file not found", path=str(path), hint="meshtui profiles list shows the known profiles")
    root, data = safe_yaml.load_file(path)
    if root is None or data is None:
        raise ProfileError("the file is empty; a profile needs at least a 'cluster' section", path=str(path))
    if not isinstance(data, dict):
        raise ProfileError(f"a profile must be a mapping of keys, not a {type(data).__name__}", path=str(path),
                           line=1)
    bad_keys = [key for key in data if not isinstance(key, str)]
    if bad_keys:
        raise ProfileError(f"keys must be strings, got {bad_keys[0]!r}", path=str(path), line=1)
    file_env, env = _read_env(path, data, root)
    data = {key: (value if key == "env_file" else _interpolate_tree(root, value, env, path, (key,)))
            for key, value in data.items()}
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        loc = tuple(first["loc"])
        message, hint = _describe(first)
        if len(errors) > 1:
            message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
        raise ProfileError(inert(message), path=str(path), line=safe_yaml.line_of(root, loc),
                           field=".".join(str(p) for p in loc) or None, hint=hint) from None
    _check_files(profile, path, root)
    secrets = {value for key, value in file_env.items() if value and is_secret_key(key)}
    for app in profile.apps:
        secrets.update(v for k, v in app.env.items() if v and (k in app.secrets or is_secret_key(k)))
    return LoadedProfile(name=path.stem, path=path.resolve(), profile=profile, env=file_env,
                         secret_values=frozenset(secrets))


def discover_profiles() -> dict[str, Path]:
    """Profile name -> file, the first directory in `paths.profile_dirs()` winning."""
    found: dict[str, Path] = {}
    for directory in paths.profile_dirs():
        if not directory.is_dir():
            continue
        for file in sorted(directory.glob("*.yaml")):
            found.setdefault(file.stem, file)
    return found


def find_profile(name_or_path: str) -> Path:
    """Resolve `-p NAME` or a path to a profile file."""
    candidate = Path(name_or_path)
    if candidate.suffix in {".yaml", ".yml"} or os.sep in name_or_path:
        return candidate
    known = discover_profiles()
    if name_or_path in known:
        return known[name_or_path]
    close = difflib.get_close_matches(name_or_path, list(known), n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"known profiles: {', '.join(sorted(known)) or 'none'}"
    raise ProfileError("no such profile", path=name_or_path, hint=hint)


def load_profile(name_or_path: str) -> LoadedProfile:
    """Find and load a profile by name or path."""
    return load_profile_file(find_profile(name_or_path))
