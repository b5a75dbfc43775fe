"""Large kubeconfigs: `meshtui routes list` with 1,000 / 3,000 / 6,000 contexts, beside `kubectl get
virtualservices` on the same file (the yardstick, measured in the same run).

Goal (issue 14 review #13): the cost grows linearly with the file (it was quadratic: the
client's kubeconfig merger compared every entry with every other, and the file was parsed
twice), so the ratio to kubectl stays about the same from 1,000 to 6,000 contexts.
Run: .venv/bin/python benchmarks/kubeconfig_contexts.py
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import yaml

from benchmarks.common import MESHTUI, report, start_sim, summary, time_command


def big_kubeconfig(path: Path, url: str, count: int) -> None:
    clusters = [{"name": f"c{i}", "cluster": {"server": f"https://10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}:6443",
                                              "certificate-authority-data": "LS0tLS1CRUdJTi0tLS0tCg=="}}
                for i in range(count)]
    contexts = [{"name": f"x{i}", "context": {"cluster": f"c{i}", "user": f"u{i}", "namespace": "shop"}}
                for i in range(count)]
    users = [{"name": f"u{i}", "user": {"token": f"t{i}"}} for i in range(count)]
    clusters.append({"name": "k", "cluster": {"server": url}})
    contexts.append({"name": "k", "context": {"cluster": "k", "user": "k", "namespace": "shop"}})
    users.append({"name": "k", "user": {"token": "k"}})
    path.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Config", "current-context": "k",
                                    "clusters": clusters, "contexts": contexts, "users": users}))


def main() -> None:
    runs = 3
    data: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        proc, url, _kubeconfig = start_sim(Path(tmp))
        try:
            kubectl = shutil.which("kubectl")
            for count in (1000, 3000, 6000):
                path = Path(tmp) / f"kc-{count}"
                big_kubeconfig(path, url, count)
                ours = summary(time_command([str(MESHTUI), "--kubeconfig", str(path), "routes", "list", "-n", "shop"],
                                            runs, env={"XDG_STATE_HOME": tmp, "XDG_CONFIG_HOME": tmp}))
                entry: dict[str, object] = {"meshtui routes list": ours}
                if kubectl:
                    yard = summary(time_command([kubectl, "--kubeconfig", str(path), "get", "virtualservices", "-n",
                                                 "shop"], runs))
                    entry["kubectl get virtualservices (yardstick)"] = yard
                    entry["ratio (median)"] = round(ours["median"] / yard["median"], 2)
                data[f"{count} contexts"] = entry
        finally:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
    report("kubeconfig_contexts", data)


if __name__ == "__main__":
    main()
