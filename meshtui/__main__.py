"""`python -m meshtui` runs the same entry point as the `meshtui` console script."""

from meshtui.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
