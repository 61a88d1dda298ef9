"""Tests against real services and emulators, started on loopback by the tests themselves."""

import os


# Must be set before gcsfs is imported: otherwise gcsfs probes each bucket's type, which
# stalls for a minute against an emulator.
os.environ.setdefault("GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT", "false")
