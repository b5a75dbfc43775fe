"""Property tests: random edit sequences give the same objects from the CLI and the Traffic panel, and every
object meshtui would send passes the real CRD schema AND Istio's own value rules (the sim's webhook).

An edit is drawn as an intent (with valid and invalid values); the CLI side turns it into argv and parses it with
the real argument parser and `routes_write.edit_from_args`; the panel side turns it into the keys it presses or the
values it types into the panel's own forms (`traffic_forms`, prefilled from the draft as on screen). Both sides must
accept or reject it together, and when accepted produce identical routes. The first property runs on the pure
engine (many examples); the second writes through the engine to two simulated clusters over HTTP.
"""

from __future__ import annotations

import contextlib
import copy
import io
from dataclasses import dataclass

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from meshtui.cli.commands import routes, routes_write
from meshtui.cli.main import build_parser
from meshtui.domain import routes as R
from meshtui.domain.routes import edits as E
from meshtui.domain.routes.inputs import InvalidInput
from meshtui.services.routes import EditRejected, Loaded, Plan
from meshtui.services.routes.planning import plan_edits
from meshtui.sim import istio_validation
from meshtui.ui.panels.traffic_forms import FORMS, WEIGHTED
from tests.conftest import SimFactory
from tests.istio_schema import validate as schema_problems

HOST = "catalog"
SUBSETS = ["v1", "v2", "v3"]
DURATIONS = ["1s", "2s", "500ms", "1m30s", "0.25s", "100ms", "1h", "5", "abc", "0", "1.5ms", "500us", "-1s"]
PERCENTS = ["0", "10", "50", "100", "12.5", "150", "-1", "abc", "0.00001"]
STATUSES = ["503", "500", "200", "599", "999", "abc", "100"]
COUNTS = ["1", "3", "100", "0", "-1", "x"]


@dataclass(frozen=True)
class Intent:
    kind: str
    values: tuple[tuple[str, str | None], ...]

    def get(self, name: str) -> str | None:
        return dict(self.values).get(name)


def intent(action: str, **values: str | None) -> Intent:
    return Intent(action, tuple(values.items()))


maybe = st.none().__or__
intents = st.one_of(
    st.builds(lambda to, by: intent("shift", to=to, by=by), st.sampled_from(SUBSETS), st.sampled_from(["10", "-10"])),
    st.builds(lambda name: intent("preset", name=name), st.sampled_from(["stable", "canary", "half", "flip",
                                                                         "bluegreen"])),
    st.builds(lambda h, v, s: intent("match", header=h, value=v, subset=s),
              st.sampled_from(["end-user", "x-canary", "bad name"]), st.sampled_from(["tester", "a  b", "beta"]),
              st.sampled_from(SUBSETS)),
    st.builds(lambda k, v, p: intent("fault", kind=k, value=v, percent=p), st.sampled_from(["abort", "delay", "none"]),
              st.sampled_from(STATUSES + DURATIONS), maybe(st.sampled_from(PERCENTS))),
    st.builds(lambda s, p: intent("mirror", subset=s, percent=p), st.sampled_from([*SUBSETS, "none"]),
              maybe(st.sampled_from(PERCENTS))),
    st.builds(lambda t, r, p, o: intent("timeout", timeout=t, retries=r, per_try=p, retry_on=o),
              maybe(st.sampled_from([*DURATIONS[:-1], "none"])), maybe(st.sampled_from(COUNTS)),
              maybe(st.sampled_from(DURATIONS)), maybe(st.sampled_from(["5xx", "5xx,connect-failure", "often"]))),
    st.builds(lambda fields: intent("breaker", **fields), st.dictionaries(
        st.sampled_from(list(E.BREAKER_INPUTS)), st.sampled_from(COUNTS + DURATIONS[:4] + DURATIONS[7:9]),
        max_size=3)),
    st.just(intent("breaker-clear")),
)


def cli_argv(it: Intent) -> list[str]:
    """argv as a user types it: `--flag=VALUE` when VALUE starts with '-' (argparse reads it as a flag otherwise)."""
    argv = _argv(it)
    out: list[str] = []
    for part in argv:
        if out and out[-1].startswith("--") and "=" not in out[-1] and part.startswith("-") and out[-1] not in (
                "--clear", "--yes"):
            out[-1] = f"{out[-1]}={part}"
        else:
            out.append(part)
    return out


def _argv(it: Intent) -> list[str]:
    g = it.get
    if it.kind == "shift":
        return ["routes", "shift", HOST, g("to") or "", "--by", g("by") or ""]
    if it.kind == "preset":
        return ["routes", "preset", HOST, g("name") or ""]
    if it.kind == "match":
        return ["routes", "match", HOST, "--header", f"{g('header')}={g('value')}", "--to", g("subset") or ""]
    if it.kind == "fault":
        flag = {"abort": ["--abort", g("value")], "delay": ["--delay", g("value")], "none": ["--clear"]}[g("kind") or ""]
        return ["routes", "fault", HOST, *[f for f in flag if f is not None],
                *(["--percent", g("percent") or ""] if g("percent") is not None and g("kind") != "none" else [])]
    if it.kind == "mirror":
        target = ["--clear"] if g("subset") == "none" else ["--to", g("subset") or ""]
        return ["routes", "mirror", HOST, *target, *(["--percent", g("percent") or ""]
                                                     if g("percent") is not None and g("subset") != "none" else [])]
    if it.kind == "timeout":
        out = ["routes", "timeout", HOST, *([g("timeout") or ""] if g("timeout") is not None else [])]
        for name, flag in (("retries", "--retries"), ("per_try", "--per-try"), ("retry_on", "--retry-on")):
            if g(name) is not None:
                out += [flag, g(name) or ""]
        return out
    if it.kind == "breaker-clear":
        return ["routes", "breaker", HOST, "--clear"]
    return ["routes", "breaker", HOST, *[part for name, value in it.values
                                         for part in ("--" + name.replace("_", "-"), value or "")]]


PARSER = build_parser()


def cli_edit(it: Intent) -> E.Edit:
    argv = cli_argv(it)
    args, extra = PARSER.parse_known_args([*argv[:3], "--yes", *argv[3:]])  # as `cli.main.main` parses
    assert routes.accept_extra(args, extra) == [], argv
    return routes_write.edit_from_args(args)


def panel_edit(it: Intent, view: R.RoutesView) -> E.Edit:
    """What the panel builds: arrow keys and preset keys, or its form with the typed fields over the prefill."""
    g = it.get
    if it.kind == "shift":
        return E.Shift(g("to") or "", int(g("by") or "0"))
    if it.kind == "preset":
        return E.parse_preset(g("name") or "")
    key = {"breaker-clear": "breaker"}.get(it.kind, it.kind)
    spec = FORMS[key](HOST, view)
    values = {f.name: f.default for f in spec.fields}
    if it.kind == "fault":
        values.update(kind=g("kind") or "", value=g("value") or "", subset=WEIGHTED)
        values["percent"] = g("percent") or ""
    elif it.kind == "breaker-clear":
        values["enabled"] = "off"
    else:
        values.update({k: (v or "") for k, v in it.values if v is not None})
    return spec.build(values)


def outcome(build) -> tuple[str, E.Edit | None]:  # type: ignore[no-untyped-def]
    try:
        return "ok", build()
    except InvalidInput:
        return "invalid", None


def objects_valid(plan: Plan) -> None:
    """What the engine would send for this plan passes the CRD schema and Istio's webhook rules."""
    for kind, old, new in (("VirtualService", plan.loaded.routes.vs, plan.after.vs),
                           ("DestinationRule", plan.loaded.routes.dr, plan.after.dr)):
        if new is None or new == old:
            continue
        obj = {"apiVersion": "networking.istio.io/v1", "kind": kind, "metadata": {"name": HOST, "namespace": "shop"},
               "spec": copy.deepcopy(new)}
        assert schema_problems(obj) == [], (kind, new)
        assert istio_validation.validate(kind, obj) == [], (kind, new)


def base_routes() -> R.Routes:
    vs = {"hosts": [HOST], "http": [{"name": "primary", "route": [
        {"destination": {"host": HOST, "subset": "v1"}, "weight": 100}]}]}
    return R.Routes(HOST, "shop", vs, R.subsets_from_versions(HOST, SUBSETS), list(SUBSETS))


def step(routes: R.Routes, edit: E.Edit) -> tuple[str, R.Routes]:
    try:
        plan = plan_edits(Loaded(routes), [edit])
    except EditRejected:
        return "rejected", routes
    if plan.errors:
        return "invalid-result", routes
    objects_valid(plan)
    return "applied", plan.after


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(intents, min_size=1, max_size=8), st.lists(st.booleans(), min_size=8, max_size=8))
def test_cli_and_panel_agree_and_everything_sent_is_valid(sequence: list[Intent], apply_now: list[bool]) -> None:
    cli_state = base_routes()
    panel_cluster, panel_draft = base_routes(), []  # the panel batches edits into a draft, applies at random points
    for index, it in enumerate(sequence):
        view = plan_edits(Loaded(panel_cluster), panel_draft).view if panel_draft else R.view(panel_cluster)
        cli_result, cli_e = outcome(lambda it=it: cli_edit(it))
        panel_result, panel_e = outcome(lambda it=it, view=view: panel_edit(it, view))
        if (cli_result, panel_result) == ("invalid", "ok") and it.kind == "timeout" and \
                all(v is None for _, v in it.values):
            # The form shows the current values, so submitting it untouched is a change of nothing; the CLI with
            # no value at all says "nothing to change" (exit 2). Both leave the objects as they are.
            assert panel_e is not None and plan_edits(Loaded(panel_cluster), [*panel_draft, panel_e]).after.vs == \
                plan_edits(Loaded(panel_cluster), panel_draft).after.vs, (it, panel_e)
            event("timeout: nothing to change")
            continue
        assert cli_result == panel_result, (it, cli_result, panel_result)
        if cli_e is None or panel_e is None:
            event(f"{it.kind}: bad input")
            continue
        cli_status, cli_state = step(cli_state, cli_e)
        try:
            plan = plan_edits(Loaded(panel_cluster), [*panel_draft, panel_e])
            panel_status = "invalid-result" if plan.errors else "applied"
        except EditRejected:
            panel_status = "rejected"
        assert cli_status == panel_status, (it, cli_status, panel_status)
        event(f"{it.kind}: {panel_status}")
        if panel_status != "applied":
            continue
        panel_draft.append(panel_e)
        if apply_now[index % len(apply_now)] or index == len(sequence) - 1:
            objects_valid(plan)
            panel_cluster, panel_draft = plan.after, []
    if panel_draft:
        panel_cluster = plan_edits(Loaded(panel_cluster), panel_draft).after
    assert (panel_cluster.vs, panel_cluster.dr) == (cli_state.vs, cli_state.dr)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                               HealthCheck.too_slow])
@given(st.lists(intents, min_size=1, max_size=5))
def test_cli_and_panel_write_identical_objects_to_clusters(sim_factory: SimFactory, sequence: list[Intent]) -> None:
    from meshtui.adapters.kube import KubeClient
    from meshtui.cli.main import main
    from meshtui.services.guard import Guard
    from meshtui.services.routes import RouteService

    cli_sim, panel_sim = _sims(sim_factory)
    engine = RouteService(panel_kube := KubeClient.connect(str(panel_sim.kubeconfig)), Guard.for_context(
        panel_kube.context))
    cli_engine = RouteService(cli_kube := KubeClient.connect(str(cli_sim.kubeconfig)), Guard.for_context(
        cli_kube.context))
    try:
        for it in sequence:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                argv = cli_argv(it)
                code = main([*argv[:3], "--yes", "--kubeconfig", str(cli_sim.kubeconfig), *argv[3:]])
            assert code in (0, 2), (it, code)  # applied, or refused as bad input; never a server rejection
            loaded = engine.load(HOST, "shop")
            result, edit = outcome(lambda it=it, view=loaded.view: panel_edit(it, view))
            if edit is None:
                assert code == 2, it
                continue
            try:
                plan = engine.plan_edits(loaded, [edit])
            except EditRejected:
                assert code == 2, it
                continue
            if plan.errors:
                assert code == 2, it
                continue
            engine.apply(plan)
            assert code == 0, it
        cli_now, panel_now = cli_engine.load(HOST, "shop").routes, engine.load(HOST, "shop").routes
        assert (cli_now.vs, cli_now.dr) == (panel_now.vs, panel_now.dr)
    finally:
        for service in (engine, cli_engine):
            service.restore(HOST, "shop", _BASELINE["vs"], _BASELINE["dr"], vs_existed=True, dr_existed=True)
        panel_kube.close()
        cli_kube.close()


_SIMS: dict[int, tuple] = {}
_BASELINE: dict[str, dict] = {}


def _sims(sim_factory: SimFactory):  # type: ignore[no-untyped-def]
    """Two clusters with the same seed, started once per test (hypothesis reuses the fixture)."""
    key = id(sim_factory)
    if key not in _SIMS:
        _SIMS.clear()
        _SIMS[key] = (sim_factory(seed=5), sim_factory(seed=5))
        from kubernetes import client

        from tests.conftest import api_client
        api = client.CustomObjectsApi(api_client(_SIMS[key][0]))
        for plural, name in (("virtualservices", "vs"), ("destinationrules", "dr")):
            _BASELINE[name] = api.get_namespaced_custom_object("networking.istio.io", "v1", "shop", plural,
                                                               HOST)["spec"]
    return _SIMS[key]
