"""The headless command line: argument parsing, commands and output.

`cli` imports `services` and `domain` only when a command runs, never `textual`
(the TUI is imported lazily by the one command that opens it).
"""
