"""Plugboard: event-driven modelling and orchestration of interconnected, stateful components."""

import typing as _t


__all__ = ["__version__"]


def __getattr__(name: str) -> _t.Any:
    # The version is looked up on first use: importing metadata costs more than the CLI's
    # whole start-up budget allows for something most runs never read.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("plugboard")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            return "0.0.0"
    raise AttributeError(f"module 'plugboard' has no attribute '{name}'")
