"""Pure types and rules shared by every layer.

Nothing in `domain` does IO or imports another meshtui package, so it is cheap to
import and easy to test: clusters and their locality, pods, log lines, routes, usage.
"""
