"""Every YAML meshtui reads goes through one reader with limits: bad input is exit 2 and one message.

Profiles, IstioOperator overlays, tours, the user's config.yaml, app manifests and
kubeconfigs; alias bombs, deep nesting, huge integers, impossible dates, duplicate keys
and oversized files. The subprocess timeout only stops a hang; how fast a bomb is
refused is measured in benchmarks/yaml_limits.py.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{name}: &{name} [{','.join([f'*{prev}'] * 9)}]\n" for prev, name in zip("abcdefgh", "bcdefghi", strict=True))
BROKEN = ("Traceback", "internal error", "RecursionError", "ValueError")
PROFILE = """description: hostile
cluster:
  provider: sim
  name: hostile
"""


def refused(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert not any(marker in output for marker in BROKEN), output
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    assert len([line for line in result.stderr.splitlines() if line.startswith("meshtui: error:")]) == 1


def test_the_bomb_is_the_342_byte_one() -> None:
    assert len(BOMB.encode()) == 342


def test_istio_lint_refuses_an_alias_bomb(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BOMB)
    refused(run_cli("istio", "lint", str(bomb), timeout=60), f"{bomb}:7", "alias bomb")


def test_profiles_validate_refuses_a_bomb_in_the_profile_or_its_overlay(tmp_path: Path) -> None:
    (tmp_path / "overlay.yaml").write_text(BOMB)
    overlay_profile = tmp_path / "overlay-profile.yaml"
    overlay_profile.write_text(PROFILE.replace("provider: sim", "provider: kind") + "istio:\n  overlay: overlay.yaml\n")
    refused(run_cli("profiles", "validate", str(overlay_profile), timeout=60), "overlay.yaml:7", "alias bomb")
    bomb_profile = tmp_path / "bomb-profile.yaml"
    bomb_profile.write_text(PROFILE + BOMB.replace("a: &a", "x-a: &a"))
    refused(run_cli("profiles", "validate", str(bomb_profile), timeout=60), "alias bomb")


@pytest.mark.parametrize("text,fragments", [
    (PROFILE + "cluster:\n  provider: kind\n", ("hostile.yaml:5", "duplicate key 'cluster' (first at line 2)")),
    (PROFILE + "apps: " + "[" * 500 + "]" * 500 + "\n", ("nesting",)),
    (PROFILE + "x: " + "{a: " * 300 + "1" + "}" * 300 + "\n", ("nesting",)),
    (PROFILE.replace("name: hostile", "name: hostile\n  workers: " + "9" * 4301), ("hostile.yaml:5",
                                                                                  "4301 digits")),
    (PROFILE + "when: 2026-13-45\n", ("hostile.yaml:5", "not a valid date")),
    (PROFILE + "x: &x [1, *x]\n", ("refers to a node that contains it",)),
    ("a: [1,\n", ("YAML syntax error",)),
    ("\xff\xfe", ()),
], ids=["duplicate-key", "deep-flow", "deep-map", "huge-int", "month-13", "recursive", "syntax", "utf16"])
def test_bad_profiles_are_exit_2_with_one_message(text: str, fragments: tuple[str, ...], tmp_path: Path) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_bytes(text.encode("latin-1") if text.startswith("\xff") else text.encode())
    refused(run_cli("profiles", "validate", str(path), timeout=60), *fragments)


def test_a_file_over_the_size_cap_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("w") as out:
        out.write("spec:\n  values:\n")
        line = "    k%07d: " + "x" * 80 + "\n"
        for i in range(100_000):
            out.write(line % i)
    assert big.stat().st_size > 8 * 1024 * 1024
    refused(run_cli("istio", "lint", str(big), timeout=60), "MiB")


def test_a_hostile_tour_settings_file_manifest_and_kubeconfig(tmp_path: Path) -> None:
    tour = tmp_path / "tour.yaml"
    tour.write_text("title: t\ntitle: again\nsummary: s\nsteps: []\n")
    refused(run_cli("tour", str(tour), "--validate", timeout=60), "tour.yaml:2", "duplicate key 'title'")

    config = tmp_path / "xdg-config" / "meshtui"
    config.mkdir(parents=True)
    (config / "config.yaml").write_text(BOMB.replace("a: &a", "theme: x\nx: &a"))
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\ncurrent-context: k\nclusters:\n- name: c\n  cluster:\n"
                          "    server: http://127.0.0.1:1\ncontexts:\n- name: k\n  context: {cluster: c, user: u}\n"
                          "users:\n- name: u\n  user: {token: t}\n")
    refused(run_cli("routes", "set", "catalog", "v1=90", "v2=10", "--kubeconfig", str(kubeconfig), timeout=60),
            "config.yaml", "alias bomb")
    (config / "config.yaml").unlink()

    kubeconfig.write_text(kubeconfig.read_text().replace("    server: http://127.0.0.1:1\n",
                                                         "    server: http://127.0.0.1:1\n    server: https://prod:6443\n"))
    refused(run_cli("status", "--kubeconfig", str(kubeconfig), timeout=60), "kubeconfig:8", "duplicate key 'server'")

    apps = tmp_path / "apps"
    apps.mkdir()
    (apps / "bomb.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n" + BOMB.replace("a: &a", "data: &a"))
    profile = tmp_path / "manifests.yaml"
    profile.write_text(PROFILE + f"apps:\n  - name: x\n    namespace: x\n    manifests: {apps}\n")
    refused(run_cli("up", "-p", str(profile), "--dry-run", timeout=60), "bomb.yaml:9", "alias bomb")


def test_shipped_yaml_all_passes_the_reader() -> None:
    """Every YAML file meshtui ships (profiles, tours, overlays, app and sim manifests) is within the limits."""
    from meshtui.config import safe_yaml

    files = [p for folder in ("profiles", "assets") for p in (ROOT / folder).rglob("*.yaml")]
    assert len(files) > 10
    for file in files:
        safe_yaml.load_file_all(file)
