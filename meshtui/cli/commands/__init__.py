"""One module per command: `add_arguments(parser, parent)` (argparse only) and `run(args, ctx)`."""
