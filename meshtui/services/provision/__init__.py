"""Provisioning: `meshtui up` / `down` as a resumable, parallel plan of idempotent steps.

`plan.build_plan` turns a profile into steps (preflight -> registry -> cluster ->
metrics-server -> Istio -> addons -> namespaces -> images -> manifests -> rollouts ->
routes -> ingress check); `runner.Runner` executes them as a dependency graph, records
progress in a `journal.Journal` and reports through `events`; `providers` hides kind,
minikube and the simulator behind one interface.
"""
