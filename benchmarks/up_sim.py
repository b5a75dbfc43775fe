"""`meshtui up -p sim` end to end, the idempotent re-run, and server-side apply vs `kubectl apply`.

For each of 3 rounds, alternating the order: a fresh empty simulated cluster; apply the
shop manifests (15 objects) with meshtui's applier (the official client, server-side
apply) and with `kubectl apply --server-side -f assets/apps/shop`, each into its own
namespace. Then the whole `up -p sim` pipeline, and a second `up` that finds every step
done. Reports medians and the ratio meshtui/kubectl.

Run: .venv/bin/python -m benchmarks.up_sim
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.common import MESHTUI, ROOT, report

SHOP = ROOT / "assets" / "apps" / "shop"


def apply_pair(round_no: int) -> dict[str, float]:
    from meshtui.adapters.kube import KubeClient
    from meshtui.services.provision.manifests import Applier, read_manifests
    from meshtui.sim import SimCluster, SimOptions

    with tempfile.TemporaryDirectory() as tmp:
        sim = SimCluster(SimOptions(mesh=False, rate=0, crashes=False), kubeconfig=Path(tmp) / "kc").start()
        try:
            sim.wait_ready()
            kube = KubeClient.connect(str(sim.kubeconfig), "meshtui-sim")
            applier = Applier(kube)
            for ns in ("bench-a", "bench-b"):
                applier.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
            docs = read_manifests(SHOP)

            def meshtui_apply() -> float:
                started = time.perf_counter()
                fresh = Applier(KubeClient.connect(str(sim.kubeconfig), "meshtui-sim"))  # cold discovery too
                for _source, obj in docs:
                    obj = json.loads(json.dumps(obj))
                    obj["metadata"]["namespace"] = "bench-a"
                    fresh.apply(obj)
                return time.perf_counter() - started

            def kubectl_apply() -> float:
                started = time.perf_counter()
                subprocess.run(["kubectl", "--kubeconfig", str(sim.kubeconfig), "apply", "--server-side", "-n",
                                "bench-b", "-f", str(SHOP)], check=True, capture_output=True)
                return time.perf_counter() - started

            order = [meshtui_apply, kubectl_apply] if round_no % 2 == 0 else [kubectl_apply, meshtui_apply]
            out = {fn.__name__: fn() for fn in order}
            kube.close()
            return out
        finally:
            sim.stop()


def up_twice() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "XDG_STATE_HOME": tmp}
        started = time.perf_counter()
        subprocess.run([str(MESHTUI), "up", "-p", "sim", "--json"], env=env, check=True, capture_output=True)
        first = time.perf_counter() - started
        started = time.perf_counter()
        subprocess.run([str(MESHTUI), "up", "-p", "sim", "--json"], env=env, check=True, capture_output=True)
        again = time.perf_counter() - started
        subprocess.run([str(MESHTUI), "down", "-p", "sim", "--yes"], env=env, check=False, capture_output=True)
        return {"up": first, "up again (all steps done)": again}


def main() -> None:
    if shutil.which("kubectl") is None:
        raise SystemExit("kubectl is needed for the comparison")
    pairs = [apply_pair(i) for i in range(3)]
    ups = [up_twice() for _ in range(3)]
    med = {k: round(statistics.median(p[k] for p in pairs), 3) for k in ("meshtui_apply", "kubectl_apply")}
    report("up_sim", {
        "apply assets/apps/shop (15 objects), median of 3, seconds": med,
        "ratio meshtui/kubectl": round(med["meshtui_apply"] / med["kubectl_apply"], 2),
        "meshtui up -p sim, median of 3, seconds": {k: round(statistics.median(u[k] for u in ups), 2)
                                                    for k in ups[0]},
    })


if __name__ == "__main__":
    main()
