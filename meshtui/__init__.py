"""meshtui: a terminal app and CLI for a local Kubernetes + Istio service mesh.

Only the version lives here so that `meshtui --version` stays a cold start of a few
milliseconds; every heavy import happens inside the command that needs it.
"""

__version__ = "0.1.0"
