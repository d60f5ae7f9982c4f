"""Subcommands of `tutor`; each module exposes `register(subparsers)`."""
