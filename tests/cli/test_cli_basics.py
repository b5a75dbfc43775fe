"""The real `meshtui` entry point: version, help, global flags, exit codes, no tracebacks."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

from tests.conftest import ROOT, run_cli


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0 and result.stdout.strip() == "meshtui 0.1.0"


def test_python_dash_m_works() -> None:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "meshtui", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "meshtui" in result.stdout


def test_help_lists_commands_that_exist() -> None:
    from meshtui.cli.main import COMMANDS

    result = run_cli("--help")
    assert result.returncode == 0 and "exit codes" in result.stdout
    listed = {line.split()[0] for line in result.stdout.split("commands:")[1].splitlines()[1:] if line.strip()
              and line.startswith("    ") and not line.startswith("     ")}
    assert listed == set(COMMANDS) and len(listed) == 12, listed
    for command in COMMANDS:  # each one exists: its own --help works and names it
        sub = run_cli(command, "--help")
        assert sub.returncode == 0 and f"meshtui {command}" in sub.stdout, (command, sub.stderr)


def test_unknown_context_is_bad_input(sim) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("status", "--kubeconfig", str(sim.kubeconfig), "--context", "meshtui-sm")
    assert result.returncode == 2, result.stderr
    assert "no context 'meshtui-sm'" in result.stderr and "did you mean 'meshtui-sim'?" in result.stderr
    ok = run_cli("status", "--kubeconfig", str(sim.kubeconfig), "--context", "meshtui-sim", "--no-probe")
    assert ok.returncode == 0, ok.stderr
    tui = run_cli("--kubeconfig", str(sim.kubeconfig), "--context", "typo")  # the TUI: refused before it opens
    assert tui.returncode == 2 and "no context 'typo'" in tui.stderr


def test_json_errors_are_json_on_stderr(sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cases = [
        (["--json", "frobnicate"], 2),
        (["usage", "--json", "--interval", "0.1"], 2),
        (["status", "--json", "--kubeconfig", str(sim.kubeconfig), "--context", "typo"], 2),
        (["status", "--json", "--kubeconfig", str(tmp_path / "missing")], 1),
        (["profiles", "show", "defualt", "--json"], 2),
        (["usage", "--json", "--top", "-3"], 2),
    ]
    for args, code in cases:
        result = run_cli(*args)
        assert result.returncode == code, (args, result.stderr)
        error = json.loads(result.stderr)["error"]
        assert error["exit_code"] == code and error["message"], (args, error)
        assert result.stdout == "", (args, result.stdout)
    assert json.loads(run_cli("--json", "frobnicate").stderr)["error"]["hint"] == "meshtui --help"


def test_unknown_command_is_a_usage_error() -> None:
    result = run_cli("frobnicate")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr and "Traceback" not in result.stderr


def test_global_flags_before_or_after_the_subcommand() -> None:
    before = run_cli("--json", "profiles", "list")
    after = run_cli("profiles", "list", "--json")
    assert before.returncode == after.returncode == 0
    assert json.loads(before.stdout) == json.loads(after.stdout)
    names = {row["name"] for row in json.loads(before.stdout)}
    assert {"default", "minikube", "minimal", "seed-demo", "sim"} <= names


def test_version_flag_after_subcommand() -> None:
    result = run_cli("profiles", "list", "--version")
    assert result.returncode == 0 and result.stdout.startswith("meshtui ")


def _profile_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "profiles"
    directory.mkdir()
    shutil.copy(ROOT / "profiles" / "seed-demo.yaml", directory / "seed-demo.yaml")
    text = (directory / "seed-demo.yaml").read_text().replace("../assets", str(ROOT / "assets"))
    (directory / "seed-demo.yaml").write_text(text)
    (directory / ".env").write_text("DB_PASSWORD=Sup3r-Secret-DB\nJWT_SECRET=jwt-Very-Secret-42\n")
    return directory


def test_profiles_show_never_prints_secrets(tmp_path: Path) -> None:
    directory = _profile_dir(tmp_path)
    for extra in ([], ["--json"]):
        result = run_cli("profiles", "show", "seed-demo", *extra, env={"MESHTUI_PROFILES_DIR": str(directory)})
        assert result.returncode == 0, result.stderr
        assert "Sup3r-Secret-DB" not in result.stdout and "jwt-Very-Secret-42" not in result.stdout
        assert "••••••" in result.stdout
        assert "testuser" in result.stdout  # not a secret, still shown


def test_profiles_validate_reports_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(textwrap.dedent("""\
        cluster:
          provider: kind
          wokers: 2
        """))
    result = run_cli("profiles", "validate", str(bad))
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[0] == f"meshtui: error: {bad}:3: cluster.wokers: unknown key 'wokers'"
    assert lines[1].strip() == "hint: did you mean 'workers'?"
    assert len(lines) == 2 and "Traceback" not in result.stderr


def test_profiles_validate_json(tmp_path: Path) -> None:
    good = ROOT / "profiles" / "sim.yaml"
    bad = tmp_path / "bad.yaml"
    bad.write_text("cluster: [\n")
    result = run_cli("profiles", "validate", str(good), str(bad), "--json")
    assert result.returncode == 2
    data = json.loads(result.stdout)
    assert data[0]["valid"] is True and data[1]["valid"] is False and data[1]["line"] == 2


def test_profiles_show_unknown_name_suggests() -> None:
    result = run_cli("profiles", "show", "defualt")
    assert result.returncode == 2
    assert "did you mean 'default'?" in result.stderr


def test_schema_command_prints_json_schema() -> None:
    result = run_cli("profiles", "schema")
    assert result.returncode == 0
    assert json.loads(result.stdout)["title"] == "meshtui profile"


BAD_COUNTS = [
    ("needs", "cpus", ".nan", "needs.cpus: must be a finite number"),
    ("needs", "cpus", ".inf", "needs.cpus: Input should be a finite number"),
    ("needs", "memory_gb", "1e400", "needs.memory_gb: Input should be a finite number"),
    ("needs", "cpus", "-1", "needs.cpus: Input should be greater than 0"),
    ("needs", "memory_gb", "0", "needs.memory_gb: Input should be greater than 0"),
    ("needs", "cpus", "1025", "cpus must be at most 1024"),
    ("needs", "memory_gb", "4097", "memory_gb must be at most 4096"),
    ("needs", "cpus", "yes", "needs.cpus: must be a number, not the YAML boolean"),
    ("needs", "memory_gb", "9" * 4300, "needs.memory_gb: must be a finite number"),
    ("needs", "cpus", "9" * 4301, "an integer of 4301 digits is too long"),
    ("cluster", "cpus", "true", "cluster.cpus: must be a number, not the YAML boolean"),
    ("cluster", "workers", "yes", "cluster.workers: must be a number, not the YAML boolean"),
    ("cluster", "memory", "0", "cluster.memory: must be between 1m and 4096g"),
    ("cluster", "memory", "1k", "cluster.memory: must be between 1m and 4096g"),
    ("cluster", "memory", "4097g", "cluster.memory: must be between 1m and 4096g"),
    ("cluster", "memory", "yes", "cluster.memory: must be a number, not the YAML boolean"),
]


def test_profile_counts_and_sizes_are_bounded_with_one_message_and_exit_2(tmp_path: Path) -> None:
    """A YAML boolean, a non-finite, non-positive or absurd count: one message with file:line, exit 2."""
    for section, key, value, message in BAD_COUNTS:
        path = tmp_path / "bounds.yaml"
        extra = f"needs:\n  {key}: {value}\n" if section == "needs" else ""
        inline = f"  {key}: {value}\n" if section == "cluster" else ""
        path.write_text(f"cluster:\n  provider: minikube\n{inline}{extra}")
        for argv in (["profiles", "validate", str(path)], ["up", "-p", str(path), "--dry-run"]):
            result = run_cli(*argv)
            assert result.returncode == 2, (value, argv, result.stdout, result.stderr)
            assert message in result.stderr and f"{path}:" in result.stderr, (value, result.stderr)
            assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) <= 2, result.stderr
    path.write_text("cluster:\n  provider: minikube\n  memory: 8192\n  cpus: 2\nneeds: {cpus: 0.5, memory_gb: 4096}\n")
    assert run_cli("profiles", "validate", str(path)).returncode == 0


def test_the_exit_code_survives_a_stderr_whose_reader_is_gone(tmp_path: Path) -> None:
    """`meshtui ... 2>&1 >/dev/null | head -1`: the reader of stderr may be gone before meshtui writes its
    error. The command still ends with its own code (3 refused, 2 bad input), not 1 or 0."""
    import os
    import subprocess

    from tests.conftest import MESHTUI

    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(textwrap.dedent("""\
        apiVersion: v1
        kind: Config
        current-context: kind-x
        clusters: [{name: c, cluster: {server: "https://203.0.113.10:6443"}}]
        contexts: [{name: kind-x, context: {cluster: c, user: u}}]
        users: [{name: u, user: {token: t}}]
        """))
    profile = tmp_path / "dup.yaml"
    profile.write_text("name: a\nname: b\n")
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    for args, code in ((["--kubeconfig", str(kubeconfig), "routes", "set", "catalog", "v1=50", "v2=50", "-n",
                         "shop", "--yes"], 3), (["profiles", "validate", str(profile)], 2)):
        read, write = os.pipe()
        os.close(read)  # the reader is gone before meshtui writes a byte
        try:
            done = subprocess.run([str(MESHTUI), *args], stdout=subprocess.DEVNULL, stderr=write, env=env, timeout=60)
        finally:
            os.close(write)
        assert done.returncode == code, (args, done.returncode)
        with open("/dev/full", "w") as full:  # every write fails: no space left on device
            done = subprocess.run([str(MESHTUI), *args], stdout=subprocess.DEVNULL, stderr=full, env=env, timeout=60)
        assert done.returncode == code, ("2>/dev/full", args, done.returncode)
        done = subprocess.run([str(MESHTUI), *args], stdout=subprocess.DEVNULL, env=env, timeout=60,
                              preexec_fn=lambda: os.close(2))  # `2>&-`: no stderr at all
        assert done.returncode == code, ("2>&-", args, done.returncode)
