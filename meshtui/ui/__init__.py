"""The Textual terminal app: panels by number key, a header that says where you are.

Only `cli/commands/tui.py` imports this package, lazily. Panels receive services from
`wiring.py`; background work runs in workers that post messages (`messages.py`), and
the handlers on the panel that owns the data update the widgets.
"""
