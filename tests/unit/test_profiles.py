"""Profiles: shipped ones are valid; every bad one gives one clear error with file and line."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meshtui.config.loader import discover_profiles, load_profile_file
from meshtui.config.models import profile_json_schema
from meshtui.domain.errors import ProfileError

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ["default", "minikube", "minimal", "seed-demo", "sim"]


def write(tmp_path: Path, text: str, name: str = "p.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def error_of(path: Path) -> ProfileError:
    with pytest.raises(ProfileError) as info:
        load_profile_file(path)
    return info.value


def test_all_shipped_profiles_are_valid() -> None:
    found = discover_profiles()
    assert set(SHIPPED) <= set(found)
    for name in SHIPPED:
        loaded = load_profile_file(found[name])
        assert loaded.name == name


def test_committed_schema_matches_the_model() -> None:
    committed = json.loads((ROOT / "profiles" / "profile.schema.json").read_text())
    assert committed == profile_json_schema(), "run: meshtui profiles schema > profiles/profile.schema.json"


def test_schema_carries_field_docstrings() -> None:
    schema = profile_json_schema()
    assert "kind" in schema["$defs"]["Cluster"]["properties"]["provider"]["description"]


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, """\
        cluster:
          provider: kind
          name: [unclosed
        """)
    err = error_of(path)
    assert err.path == str(path) and err.line == 4
    assert "YAML syntax error" in err.message


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    path = write(tmp_path, """\
        cluster:
          provider: kind
          kubernetesVersion: "1.31"
        """)
    err = error_of(path)
    assert err.line == 3 and err.field == "cluster.kubernetesVersion"
    assert err.hint == "did you mean 'kubernetes_version'?"


def test_wrong_type_names_the_field(tmp_path: Path) -> None:
    path = write(tmp_path, """\
        cluster:
          provider: kind
          workers: lots
        """)
    err = error_of(path)
    assert err.line == 3 and err.field == "cluster.workers"
    assert "integer" in err.detail


def test_bad_enum_value(tmp_path: Path) -> None:
    err = error_of(write(tmp_path, "cluster:\n  provider: k3s\n"))
    assert err.line == 2 and "kind" in err.detail and "minikube" in err.detail


def test_missing_env_var_without_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MESHTUI_TEST_UNSET", raising=False)
    path = write(tmp_path, """\
        cluster:
          provider: sim
        apps:
          - name: a
            manifests: .
            env:
              TOKEN: "${MESHTUI_TEST_UNSET}"
        """)
    err = error_of(path)
    assert err.line == 7 and err.field == "apps.0.env.TOKEN"
    assert "MESHTUI_TEST_UNSET" in err.detail and "default" in (err.hint or "")


def test_env_file_values_interpolate_and_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("DB_PASSWORD=from-file\nJWT_SECRET=file-jwt\n")
    monkeypatch.setenv("JWT_SECRET", "from-environment")
    path = write(tmp_path, """\
        cluster: {provider: sim}
        apps:
          - name: a
            manifests: .
            env:
              DATABASE_URL: "mysql://u:${DB_PASSWORD}@db/x"
              JWT_SECRET: "${JWT_SECRET}"
              HOST: "${DB_HOST:-db.${DOMAIN:-example.com}}"
        """)
    loaded = load_profile_file(path)
    env = loaded.profile.apps[0].env
    assert env == {"DATABASE_URL": "mysql://u:from-file@db/x", "JWT_SECRET": "from-environment",
                   "HOST": "db.example.com"}
    assert {"from-file", "from-environment", "mysql://u:from-file@db/x"} <= loaded.secret_values


def test_missing_manifests_directory(tmp_path: Path) -> None:
    path = write(tmp_path, """\
        cluster: {provider: sim}
        apps:
          - name: a
            manifests: does/not/exist
        """)
    err = error_of(path)
    assert err.line == 4 and err.field == "apps.0.manifests" and "does not exist" in err.detail


def test_missing_file_and_declared_env_file(tmp_path: Path) -> None:
    assert "file not found" in error_of(tmp_path / "nope.yaml").message
    err = error_of(write(tmp_path, "cluster: {provider: sim}\nenv_file: secrets.env\n"))
    assert err.line == 2 and "does not exist" in err.detail


def test_semantic_rules(tmp_path: Path) -> None:
    err = error_of(write(tmp_path, """\
        cluster: {provider: sim}
        routes:
          - host: catalog
            weights: {v1: 60, v2: 30}
        """))
    assert "sum to 100" in err.detail and err.line == 4
    err = error_of(write(tmp_path, """\
        cluster: {provider: kind}
        apps:
          - name: a
            manifests: .
            build: [{context: ., image: x, tag: latest}]
        """))
    assert "latest" in err.detail


@pytest.mark.parametrize("text", ["", "just a string", "- a\n- b\n", "1: 2\n", "cluster: null\n"])
def test_degenerate_documents(tmp_path: Path, text: str) -> None:
    error_of(write(tmp_path, text))


_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 70000), st.text(max_size=12),
                     st.sampled_from(["kind", "minikube", "sim", "${X}", "${Y:-1}", "latest", "v1", "."]))
_keys = st.sampled_from(["cluster", "provider", "name", "workers", "ports", "host", "node", "istio", "profile",
                         "apps", "manifests", "routes", "weights", "env", "env_file", "bogus", "kubernetes_version"])
_trees = st.recursive(_scalars, lambda children: st.one_of(st.lists(children, max_size=3),
                                                           st.dictionaries(_keys, children, max_size=4)),
                      max_leaves=12)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=_trees, raw=st.text(max_size=60))
def test_fuzz_never_raises_anything_but_profile_error(tmp_path: Path, tree: object, raw: str) -> None:
    import yaml

    for text in (yaml.safe_dump(tree), raw):
        path = tmp_path / "fuzz.yaml"
        path.write_text(text)
        try:
            load_profile_file(path)
        except ProfileError as exc:
            assert exc.path == str(path)
            assert "\n" not in exc.message.strip()
