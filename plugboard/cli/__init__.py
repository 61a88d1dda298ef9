"""The `plugboard` command."""

from plugboard.cli.app import app, main


__all__ = ["app", "main"]
