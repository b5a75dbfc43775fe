"""The five panels, one per number key: Overview, Logs, Resources, Traffic, Setup."""
