"""Modal screens: help, confirmation, YAML view, diff preview."""
