"""`meshtui profiles list | show NAME | validate PATH... | schema`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from meshtui.cli.context import CliContext
from meshtui.domain.text import inert, inert_lines

if TYPE_CHECKING:
    from meshtui.config.loader import LoadedProfile


def add_arguments(parser: argparse.ArgumentParser, parent: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    sub.add_parser("list", parents=[parent], help="profiles found in the search path, with their status")
    show = sub.add_parser("show", parents=[parent], help="the profile after ${VAR} interpolation (secrets masked)")
    show.add_argument("name", help="profile name or path")
    validate = sub.add_parser("validate", parents=[parent], help="validate profile files; exit 2 on the first bad one")
    validate.add_argument("paths", nargs="+", metavar="PATH", help="profile names or files")
    sub.add_parser("schema", parents=[parent], help="print the JSON Schema of the profile format")


def _masked_dump(ctx: CliContext, loaded: LoadedProfile) -> dict[str, Any]:
    data = loaded.profile.model_dump(mode="json", exclude_none=True)
    for app in data.get("apps", []):
        app["env"] = {key: ctx.masker.mask_value(key, value) for key, value in app.get("env", {}).items()}
    return data


def _list(ctx: CliContext) -> int:
    from meshtui.config.loader import discover_profiles, load_profile_file
    from meshtui.domain.errors import ProfileError

    rows = []
    for name, path in sorted(discover_profiles().items()):
        try:
            loaded = load_profile_file(path)
            spec = loaded.profile
            rows.append({"name": name, "provider": spec.cluster.provider, "valid": True, "path": str(path),
                         "description": spec.description, "error": None})
        except ProfileError as exc:
            rows.append({"name": name, "provider": "?", "valid": False, "path": str(path), "description": "",
                         "error": exc.message})
    if ctx.out.json_mode:
        ctx.out.json(rows)
        return 0
    if not rows:
        ctx.out.note("no profiles found (looked in the user config directory and the shipped profiles/)")
        return 0
    ctx.out.table(["name", "provider", "status", "description"],  # names and texts come from files: inert
                  [[inert(r["name"]), inert(r["provider"]), "ok" if r["valid"] else "error",
                    inert(r["description"] or r["error"] or "")] for r in rows], styles=[None, None, "status", None])
    return 0


def _show(ctx: CliContext, name: str) -> int:
    import yaml

    loaded = ctx.wiring.load_profile(name)
    data = _masked_dump(ctx, loaded)
    if ctx.out.json_mode:
        ctx.out.json({"name": loaded.name, "path": str(loaded.path), "profile": data})
        return 0
    ctx.out.line(inert(f"# {loaded.name}: {loaded.path}"))
    ctx.out.line(inert_lines(yaml.safe_dump(data, sort_keys=False, allow_unicode=True).rstrip()))
    return 0


def _validate(ctx: CliContext, targets: list[str]) -> int:
    from meshtui.config.loader import find_profile, load_profile_file
    from meshtui.domain.errors import ProfileError

    results: list[dict[str, Any]] = []
    exit_code = 0
    for target in targets:
        try:
            loaded = load_profile_file(find_profile(target))
            ctx.masker.add(loaded.secret_values)
            results.append({"path": str(loaded.path), "valid": True, "problems": _lint_overlay(loaded)})
        except ProfileError as exc:
            exit_code = 2
            results.append({"path": exc.path, "valid": False, "error": exc.message, "line": exc.line,
                            "field": exc.field, "hint": exc.hint})
    for result in results:
        if result["valid"] and result["problems"]:
            exit_code = max(exit_code, 1)
    if ctx.out.json_mode:
        ctx.out.json(results)
        return exit_code
    for result in results:
        if result["valid"]:
            ctx.out.line(f"{ctx.out.style('ok', 'green')}  {inert(result['path'])}")
            for problem in result["problems"]:
                ctx.out.line(f"    {ctx.out.style('removed', 'yellow')} {inert(problem)}")
        else:
            hint = result.get("hint")
            ctx.out.error(inert(result["error"]), inert(hint) if hint else None)
    return exit_code


def _lint_overlay(loaded: LoadedProfile) -> list[str]:
    """Removed-field findings of the profile's IstioOperator overlay (empty when none)."""
    from meshtui.services.istio_lint import lint_file

    overlay = loaded.profile.istio.overlay
    if overlay is None:
        return []
    report = lint_file(loaded.resolve(overlay))
    return [f"{finding.path}: {finding.summary}" for finding in report.findings]


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    if args.action == "list":
        return _list(ctx)
    if args.action == "show":
        return _show(ctx, args.name)
    if args.action == "validate":
        return _validate(ctx, args.paths)
    from meshtui.config.models import profile_json_schema

    ctx.out.json(profile_json_schema())
    return 0
