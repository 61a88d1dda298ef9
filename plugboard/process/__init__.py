"""Processes: run a model's components together."""

from plugboard.process.builder import ProcessBuilder
from plugboard.process.loader import load_process
from plugboard.process.local_process import LocalProcess
from plugboard.process.process import Process


__all__ = ["LocalProcess", "Process", "ProcessBuilder", "load_process"]
