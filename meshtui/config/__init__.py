"""Configuration: profile models, the loader that turns YAML + .env into them, and paths.

`config` may import only `domain`; it never touches a cluster or the terminal.
"""
