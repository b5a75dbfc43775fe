"""`meshtui istio lint` on the seed's own IstioOperator (read from ../shared, never copied)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.conftest import ROOT, run_cli, shared_file

SEED_REMOVED = {
    "components.telemetry": "1.8", "components.policy": "1.8", "values.global.mtls": "PeerAuthentication",
    "values.galley": "1.6", "values.prometheus": "samples/addons", "values.grafana": "samples/addons",
    "values.tracing": "samples/addons", "values.kiali": "samples/addons", "values.citadel": "istiod",
    "components.ingressGateways[].k8s.autoscaleEnabled": "autoscaleEnabled",
    "components.egressGateways[].k8s.autoscaleEnabled": "autoscaleEnabled",
    "components.ingressGateways[].k8s.hpaSpec.targetCPUUtilizationPercentage": "averageUtilization",
    "values.gateways.istio-ingressgateway.port": "k8s.service.ports",
    "values.gateways.istio-ingressgateway.tls": "Gateway resource",
}


def test_seed_config_report_names_every_removed_field_with_its_replacement() -> None:
    seed = shared_file("seed", "istio-config.yaml")
    result = run_cli("istio", "lint", str(seed), "--json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    found = {f["path"]: f for f in report["findings"]}
    assert set(SEED_REMOVED) <= set(found)
    for path, words in SEED_REMOVED.items():
        finding = found[path]
        assert finding["kind"] == "removed" and words in finding["history"] + finding["replacement"], finding
        assert isinstance(finding["line"], int)
    text = seed.read_text().splitlines()
    assert text[found["values.global.mtls"]["line"] - 1].strip() == "mtls:"
    assert found["values.global.jwtPolicy"]["kind"] == "deprecated"
    assert not report["ok"]
    assert any("peer-authentication" in item for item in report["also_apply"])
    # fields that are still valid are not reported
    assert not {"components.pilot", "meshConfig.accessLogFile", "values.global.proxy.logLevel"} & set(found)


def test_human_report_and_fix_produce_an_overlay_that_lints_clean(tmp_path: Path) -> None:
    seed = shared_file("seed", "istio-config.yaml")
    human = run_cli("istio", "lint", str(seed))
    assert human.returncode == 1
    assert "values.global.mtls  (line" in human.stdout and "removed in 1.7" in human.stdout
    assert "--fix" in human.stdout
    fixed = tmp_path / "modern.yaml"
    assert run_cli("istio", "lint", str(seed), "--fix", str(fixed)).returncode == 1
    overlay = yaml.safe_load(fixed.read_text())
    hpa = overlay["spec"]["components"]["ingressGateways"][0]["k8s"]["hpaSpec"]
    assert hpa["metrics"][0]["resource"]["target"]["averageUtilization"] == 70
    assert "mtls" not in overlay["spec"]["values"]["global"]
    clean = run_cli("istio", "lint", str(fixed))
    assert clean.returncode == 0, clean.stdout
    assert "ok" in clean.stdout


def test_shipped_modern_overlay_is_clean_and_bad_input_is_one_error(tmp_path: Path) -> None:
    assert run_cli("istio", "lint", str(ROOT / "assets" / "istio" / "seed-modern.yaml")).returncode == 0
    missing = run_cli("istio", "lint", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2 and "file not found" in missing.stderr and "Traceback" not in missing.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("spec:\n  components: [\n")
    bad = run_cli("istio", "lint", str(broken))
    assert bad.returncode == 2 and "broken.yaml:" in bad.stderr and "Traceback" not in bad.stderr
    typo = tmp_path / "typo.yaml"
    typo.write_text("kind: IstioOperator\nspec:\n  componets: {}\n")
    result = run_cli("istio", "lint", str(typo), "--json")
    assert result.returncode == 1
    finding = json.loads(result.stdout)["findings"][0]
    assert finding["kind"] == "unknown" and "components" in finding["replacement"] and finding["line"] == 3


def test_profiles_validate_runs_the_same_lint(tmp_path: Path) -> None:
    seed = shared_file("seed", "istio-config.yaml")
    profile = tmp_path / "seedish.yaml"
    profile.write_text(f"cluster: {{provider: kind}}\nistio: {{overlay: {seed}}}\n")
    result = run_cli("profiles", "validate", str(profile))
    assert result.returncode == 1
    assert "values.global.mtls" in result.stdout
