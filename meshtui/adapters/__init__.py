"""Adapters to the outside world: Kubernetes API, Docker engine, host, external programs.

Each adapter hides one library (the official `kubernetes` client, the `docker` SDK,
`psutil`, `subprocess`) behind a small interface from `protocols.py`. Adapters never
import `textual` and never import `services`.
"""
