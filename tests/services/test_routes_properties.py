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
BY_KIND = dict(
    shift=st.builds(lambda to, by: intent("shift", to=to, by=by), st.sampled_from(SUBSETS),
                    st.sampled_from(["10", "-10"])),
    preset=st.builds(lambda name: intent("preset", name=name),
                     st.sampled_from(["stable", "canary", "half", "flip", "bluegreen"])),
    match=st.builds(lambda h, v, s: intent("match", header=h, value=v, subset=s),
                    st.sampled_from(["end-user", "x-canary", "bad name"]), st.sampled_from(["tester", "a  b", "beta"]),
                    st.sampled_from(SUBSETS)),
    fault=st.builds(lambda k, v, p: intent("fault", kind=k, value=v, percent=p),
                    st.sampled_from(["abort", "delay", "none"]), st.sampled_from(STATUSES + DURATIONS),
                    maybe(st.sampled_from(PERCENTS))),
    mirror=st.builds(lambda s, p: intent("mirror", subset=s, percent=p), st.sampled_from([*SUBSETS, "none"]),
                     maybe(st.sampled_from(PERCENTS))),
    timeout=st.builds(lambda t, r, p, o: intent("timeout", timeout=t, retries=r, per_try=p, retry_on=o),
                      maybe(st.sampled_from([*DURATIONS[:-1], "none"])), maybe(st.sampled_from(COUNTS)),
                      maybe(st.sampled_from(DURATIONS)), maybe(st.sampled_from(["5xx", "5xx,connect-failure", "often"]))),
    breaker=st.builds(lambda fields: intent("breaker", **fields), st.dictionaries(
        st.sampled_from(list(E.BREAKER_INPUTS)), st.sampled_from([*COUNTS, *DURATIONS[:4], *DURATIONS[7:9], "none"]),
        max_size=3)),
    clear=st.just(intent("breaker-clear")),
)
intents = st.one_of(*BY_KIND.values())
# what a draft holds when another writer steps in (breaker and timeout forms more often)
drafted = st.one_of(BY_KIND["breaker"], BY_KIND["timeout"], BY_KIND["breaker"], BY_KIND["timeout"], BY_KIND["clear"],
                    BY_KIND["shift"], BY_KIND["preset"], BY_KIND["match"])


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
    except InvalidInput as exc:
        return ("nothing" if [p.message for p in exc.problems] == ["nothing to change"] else "invalid"), None


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


# What someone else may have set before meshtui edits: partial breakers and timeouts included.
BREAKERS: list[dict] = [{}, {"connectionPool": {"tcp": {"maxConnections": 10}}},
                        {"outlierDetection": {"consecutive5xxErrors": 7}},
                        {"connectionPool": {"http": {"http1MaxPendingRequests": 5}},
                         "outlierDetection": {"interval": "30s", "baseEjectionTime": "1m"}}]
TIMEOUTS: list[dict] = [{}, {"timeout": "3s"}, {"retries": {"attempts": 2}},
                        {"timeout": "1s", "retries": {"attempts": 1, "perTryTimeout": "500ms"}}]
starts = st.tuples(st.sampled_from(range(len(BREAKERS))), st.sampled_from(range(len(TIMEOUTS))))


def base_routes(start: tuple[int, int] = (0, 0)) -> R.Routes:
    vs = {"hosts": [HOST], "http": [{"name": "primary", "route": [
        {"destination": {"host": HOST, "subset": "v1"}, "weight": 100}], **copy.deepcopy(TIMEOUTS[start[1]])}]}
    dr = R.subsets_from_versions(HOST, SUBSETS)
    if BREAKERS[start[0]]:
        dr["trafficPolicy"] = copy.deepcopy(BREAKERS[start[0]])
    return R.Routes(HOST, "shop", vs, dr, list(SUBSETS))


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
@given(st.lists(intents, min_size=1, max_size=8), st.lists(st.booleans(), min_size=8, max_size=8), starts)
def test_cli_and_panel_agree_and_everything_sent_is_valid(sequence: list[Intent], apply_now: list[bool],
                                                         start: tuple[int, int]) -> None:
    cli_state = base_routes(start)
    panel_cluster, panel_draft = base_routes(start), []  # the panel batches edits into a draft, applies at random
    for index, it in enumerate(sequence):
        view = plan_edits(Loaded(panel_cluster), panel_draft).view if panel_draft else R.view(panel_cluster)
        cli_result, cli_e = outcome(lambda it=it: cli_edit(it))
        panel_result, panel_e = outcome(lambda it=it, view=view: panel_edit(it, view))
        if (cli_result, panel_result) == ("ok", "nothing"):
            # The form records only what differs from the values it shows: typing the current value changes
            # nothing ("nothing to change", the form stays open); the CLI given that value writes it as it is.
            after = cli_e.apply(cli_state) if cli_e is not None else None
            assert after is not None and (after.vs, after.dr) == (cli_state.vs, cli_state.dr), (it, cli_e)
            event(f"{it.kind}: nothing to change")
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


def external(name: str, routes: R.Routes) -> R.Routes:
    """Another writer (kubectl, a tour) sets one field while the panel holds a draft."""
    out = routes.copy()
    rule = out.vs["http"][-1]
    if name == "timeout":
        rule["timeout"] = "5s"
    elif name == "retries":
        rule["retries"] = {**(rule.get("retries") or {}), "attempts": 4}
    else:
        section, sub, key, value = {"outlier": ("outlierDetection", None, "consecutive5xxErrors", 9),
                                    "pool": ("connectionPool", "tcp", "maxConnections", 77)}[name]
        holder = out.dr.setdefault("trafficPolicy", {}).setdefault(section, {})
        (holder.setdefault(sub, {}) if sub else holder)[key] = value
    return out


def external_value(name: str, routes: R.Routes) -> object:
    rule, policy = routes.vs["http"][-1], (routes.dr or {}).get("trafficPolicy") or {}
    if name in ("timeout", "retries"):
        return rule.get("timeout") if name == "timeout" else (rule.get("retries") or {}).get("attempts")
    if name == "outlier":
        return (policy.get("outlierDetection") or {}).get("consecutive5xxErrors")
    return ((policy.get("connectionPool") or {}).get("tcp") or {}).get("maxConnections")


def touches(edit: E.Edit, name: str) -> bool:
    """Whether the user's edit itself sets or removes the field the other writer changed."""
    if isinstance(edit, E.ClearBreaker):
        return name in ("outlier", "pool")
    if isinstance(edit, E.Breaker):
        field = {"outlier": "consecutive_errors", "pool": "max_connections"}.get(name)
        return field is not None and (getattr(edit, field) is not None or field in edit.unset)
    if isinstance(edit, E.Timeout):
        return getattr(edit, name, None) is not None
    return False


def changed_only(it: Intent, view: R.RoutesView) -> Intent:
    """The CLI command for what the user changed in the form: the fields typed differently from what it showed."""
    if it.kind not in ("breaker", "timeout"):
        return it
    shown = {f.name: f.default for f in FORMS[it.kind](HOST, view).fields}
    return Intent(it.kind, tuple((k, v) for k, v in it.values if v is None or v.strip() != shown[k].strip()))


EXTERNALS = ["outlier", "pool", "timeout", "retries"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(starts, st.lists(drafted, min_size=1, max_size=4),
       st.sampled_from(EXTERNALS))
def test_a_rebased_draft_keeps_the_other_writers_change(start: tuple[int, int], sequence: list[Intent],
                                                        other: str) -> None:
    """Forms filled on a draft, then another writer changes one field, then the panel applies the re-based draft:
    the other writer's value stays unless the user changed that very field, everything sent is valid, and the
    result is what the CLI gives for the same changes typed after the other writer's (flags only for what the
    user changed)."""
    cluster, draft, typed = base_routes(start), [], []
    for it in sequence:
        view = plan_edits(Loaded(cluster), draft).view
        _, edit = outcome(lambda it=it, view=view: panel_edit(it, view))
        if edit is None:
            continue
        try:
            if plan_edits(Loaded(cluster), [*draft, edit]).errors:
                continue
        except EditRejected:
            continue
        draft.append(edit)
        typed.append(changed_only(it, view))
    changed = external(other, cluster)
    try:
        plan = plan_edits(Loaded(changed), draft)
    except EditRejected:
        event("re-based draft flagged")
        return
    assert not plan.errors, (draft, plan.errors)
    objects_valid(plan)
    if not any(touches(edit, other) for edit in draft):
        assert external_value(other, plan.after) == external_value(other, changed), (other, draft)
        event(f"{other}: kept")
    cli_state = changed
    for it in typed:
        cli_status, cli_state = step(cli_state, cli_edit(it))
        assert cli_status == "applied", (it, cli_status)
    assert (plan.after.vs, plan.after.dr) == (cli_state.vs, cli_state.dr), (typed, draft)


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
            if result == "nothing":  # the current value typed again: the form changes nothing, the CLI wrote it as is
                continue
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
