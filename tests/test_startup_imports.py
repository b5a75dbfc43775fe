"""Start-up pays only for what it uses: each check fails if an import removed from a path comes back.

Each case runs in a fresh interpreter and reads `sys.modules` afterwards (no timing):
- a CLI command builds only its own parser: `status` does not load the logs query or the
  routes domain that `logs` and `routes` need to declare their flags, and the parser built
  that way reads every command line as the full parser does;
- the TUI's first frame does not load the traffic observer (`services.observe`, which
  pulls in the log engine) nor, through the Traffic panel's messages, the route engine;
- `meshtui.domain.routes` loads the edits and the text forms only when they are used,
  and `R.view` / `R.validate` stay the functions even after their modules are imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from meshtui.cli.main import build_parser, parse


def probe(code: str) -> Any:
    """Run `code` in a fresh interpreter; the JSON it prints last."""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def loaded_after(code: str) -> list[str]:
    """The meshtui modules in `sys.modules` after running `code` in a fresh interpreter."""
    return probe(code + ("\nimport json, sys\n"
                         "print(json.dumps(sorted(m for m in sys.modules if m.startswith('meshtui'))))\n"))


def help_of(*argv: str) -> str:
    """Run the real entry point with `--help` (no cluster needed), its output swallowed."""
    return ("import contextlib, io\nfrom meshtui.cli.main import main\n"
            f"with contextlib.redirect_stdout(io.StringIO()):\n    assert main({[*argv, '--help']!r}) == 0\n")


@pytest.mark.parametrize(("argv", "absent"), [
    (("status",), ["meshtui.services.log_query", "meshtui.domain.logs", "meshtui.domain.routes"]),
    (("logs",), ["meshtui.domain.routes", "meshtui.cli.commands.routes"]),
    (("routes", "show"), ["meshtui.services.log_query", "meshtui.domain.logs", "meshtui.cli.commands.logs"]),
])
def test_a_command_builds_only_its_own_parser(argv: tuple[str, ...], absent: list[str]) -> None:
    loaded = loaded_after(help_of(*argv))
    commands = {m.rsplit(".", 1)[1] for m in loaded if m.startswith("meshtui.cli.commands.")}
    assert commands <= {argv[0], "routes_read", "routes_write"}, commands
    assert [m for m in loaded if any(m == a or m.startswith(a + ".") for a in absent)] == []


@pytest.mark.parametrize("argv", [
    [], ["--json"], ["status"], ["status", "--json", "--no-probe"], ["--context", "status", "logs", "--no-follow"],
    ["--context=status", "logs"], ["--kube", "status", "routes", "show", "h"], ["--", "status"],
    ["--json", "--", "status", "--no-probe"], ["logs", "catalog", "level>=warn", "-n", "shop"],
    ["routes", "timeout", "catalog", "--retries", "3", "2s"], ["usage", "--bogus"], ["bogus"], ["-x"],
])
def test_the_one_command_parser_reads_argv_as_the_full_parser(argv: list[str]) -> None:
    def outcome(run: object) -> object:
        try:
            args, extra = run()  # type: ignore[operator]
        except SystemExit as exc:
            return ("exit", exc.code)
        return vars(args), extra

    assert outcome(lambda: parse(argv)[1:]) == outcome(lambda: build_parser().parse_known_args(argv))


def test_the_first_frame_does_not_load_the_traffic_observer() -> None:
    loaded = loaded_after("import meshtui.ui.app")
    assert "meshtui.services.observe" not in loaded


@pytest.mark.parametrize("module", ["traffic_messages", "traffic_render", "traffic_view"])
def test_traffic_modules_import_engine_types_for_annotations_only(module: str) -> None:
    loaded = loaded_after(f"import meshtui.ui.panels.{module}")
    assert [m for m in loaded if m in ("meshtui.services.observe", "meshtui.services.logs",
                                       "meshtui.services.routes.model", "meshtui.services.routes.engine",
                                       "meshtui.domain.routes.edits")] == []


def test_the_routes_domain_loads_edits_and_text_forms_on_first_use() -> None:
    loaded = loaded_after("from meshtui.domain.routes import fqdn, MANAGED_LABEL")
    assert [m for m in loaded if m.rsplit(".", 1)[-1] in ("operations", "policies", "present", "edits")] == []


def test_view_and_validate_stay_functions_after_their_modules_load() -> None:
    code = ("import meshtui.domain.routes.view, meshtui.domain.routes.validate, meshtui.domain.routes.present\n"
            "from meshtui.domain import routes as R\n"
            "assert callable(R.view) and callable(R.validate), (R.view, R.validate)\n"
            "assert R.describe is meshtui.domain.routes.present.describe\n")
    loaded_after(code)


def test_the_collector_is_back_on_after_every_stack_import_even_a_failed_one() -> None:
    """The heavy imports pause the garbage collector; it must never stay off (a long `logs -f` or the TUI
    would then keep every cycle), and a starting command's import leaves its objects frozen."""
    code = ("import gc, json\nfrom meshtui.adapters import imports\n"
            "imports.ensure('json.decoder')\nafter_plain = (gc.isenabled(), gc.get_freeze_count())\n"
            "try:\n    imports.ensure('meshtui_no_such_module', settle=True)\nexcept ImportError:\n    pass\n"
            "after_failed = gc.isenabled()\nimports.ensure(*imports.KUBE, settle=True)\n"
            "print(json.dumps([after_plain, after_failed, gc.isenabled(), gc.get_freeze_count()]))\n")
    (plain_on, plain_frozen), failed_on, on, frozen = probe(code)
    assert plain_on and plain_frozen == 0, "an import not asked to settle froze objects"
    assert failed_on, "a failed import left the garbage collector off"
    assert on and frozen > 10_000, f"the kubernetes stack's objects were not frozen ({frozen})"


def test_opening_the_tui_leaves_the_collector_on_with_the_apps_modules_frozen() -> None:
    code = ("import gc, json\nfrom meshtui.cli.context import CliContext\n"
            "import meshtui.ui.app as app_module\nseen = []\n"
            "app_module.MeshApp.run = lambda self, *a, **k: seen.append((gc.isenabled(), gc.get_freeze_count()))\n"
            "from meshtui.cli.commands.tui import open_app\n"
            "from meshtui.cli.main import GLOBAL_DEFAULTS, parse\n_, args, _ = parse(['demo'])\n"
            "[setattr(args, k, v) for k, v in GLOBAL_DEFAULTS.items() if not hasattr(args, k)]\n"
            "open_app(CliContext.from_args(args), demo=True)\n"
            "print(json.dumps(seen))\n")
    [(on, frozen)] = probe(code)
    assert on, "the TUI ran with the garbage collector off"
    assert frozen > 10_000, f"the app's modules were not frozen ({frozen})"
