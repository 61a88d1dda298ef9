"""Uploads to object stores in parts that a failed upload can send again exactly once.

A `PartUpload` is the binary file the format writers write to when the target is in an
object store. Writing to it only appends to a local buffer and never fails; `send()`, called
once a chunk of rows has been encoded, hands whole parts to the store's fsspec file. When a
part cannot be sent (the store is unreachable, say), the part stays where it was, and the
next `send()` sends that same part again before anything else: nothing is lost and nothing
is sent twice, so a retried writer resumes where it stopped.
"""

from __future__ import annotations

import io
import typing as _t


MIN_PART = 8 << 20
"""Bytes per part at first (S3 wants at least 5 MiB in every part but the last)."""
_PARTS_PER_STEP = 1000
"""The part size grows by `MIN_PART` every this many parts (S3 allows 10,000 parts)."""


class PartUpload:
    """A write-only binary file that uploads to an fsspec file in whole parts.

    The fsspec file is opened with `opener(part_size)` on the first part, so nothing is
    created before there is something to send. Object-store files in fsspec keep their
    buffer when an upload fails; this class relies on that to send a failed part again.

    Args:
        opener: Opens the target for writing with the given block size.
        part_size: Bytes per part (at first; it grows for very large files).
    """

    def __init__(self, opener: _t.Callable[[int], _t.BinaryIO], part_size: int = MIN_PART) -> None:
        self._opener = opener
        self._part_size = part_size
        self._spool = io.BytesIO()
        self._remote: _t.Any = None
        self._parts = 0
        self._pending = False  # a part is in the remote file's buffer, not yet uploaded
        self._size = 0
        self.closed = False

    # -- the file interface the format writers use ------------------------------------------

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Appends to the local buffer (no IO)."""
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        written = self._spool.write(data)
        self._size += written
        return written

    def tell(self) -> int:
        """Bytes written so far."""
        return self._size

    def flush(self) -> None:
        """Does nothing: parts are sent by `send()`."""

    def writable(self) -> bool:
        """True."""
        return True

    def readable(self) -> bool:
        """False."""
        return False

    def seekable(self) -> bool:
        """False."""
        return False

    def close(self) -> None:
        """Marks the file closed; the format writers call this, `finish()` uploads the rest."""
        self.closed = True

    # -- uploading ----------------------------------------------------------------------

    @property
    def buffered(self) -> int:
        """Bytes written but not yet handed to the store."""
        return self._spool.tell()

    def send(self) -> None:
        """Sends every whole part written so far; sends a part that failed before first.

        Raises:
            Exception: The store's error; the part that failed is kept and sent first by the
                next call.
        """
        if self._pending:
            # The remote file kept the part that failed: upload it again.
            self._remote.buffer.seek(0, 2)
            self._remote.flush()
            self._pending = False
            self._parts += 1
        while self.buffered >= self._next_size():
            self._hand(self._take(self._next_size()))

    def finish(self) -> None:
        """Sends what is left and completes the upload."""
        self.send()
        if self._remote is None:
            self._remote = self._opener(self._next_size())
        rest = self._take(self.buffered)
        if rest:
            self._remote.write(rest)
        remote, self._remote = self._remote, None
        remote.close()

    def abort(self) -> None:
        """Drops the upload without completing it (best effort)."""
        remote, self._remote = self._remote, None
        self._spool = io.BytesIO()
        if remote is None:
            return
        discard = getattr(remote, "discard", None)
        try:
            if callable(discard):
                discard()
        finally:
            # Closing would complete the upload: mark it closed instead.
            remote.closed = True

    def _next_size(self) -> int:
        return self._part_size * (1 + self._parts // _PARTS_PER_STEP)

    def _take(self, size: int) -> bytes:
        """Removes and returns the first `size` bytes of the local buffer."""
        view = self._spool.getbuffer()
        data = bytes(view[:size])
        rest = bytes(view[size:])
        del view
        self._spool = io.BytesIO()
        self._spool.write(rest)
        return data

    def _hand(self, part: bytes) -> None:
        """Hands one part to the remote file, which uploads it at once (it is a whole block)."""
        remote = self._remote
        if remote is None or remote.closed:
            if remote is not None and getattr(remote, "offset", None) not in (None, 0):
                raise OSError("the upload was interrupted and cannot be resumed")
            # Not opened yet, or fsspec closed it because starting the upload failed: nothing
            # was uploaded, so start afresh.
            remote = self._remote = self._opener(len(part))
        before = remote.loc
        try:
            remote.write(part)
        except Exception:
            if remote.closed:
                # Starting the upload failed: send the same part on a new file next time.
                self._remote = None
                self._put_back(part)
            elif remote.loc == before + len(part):
                self._pending = True  # the remote file holds the part: flush it again
            else:
                self._put_back(part)
            raise
        self._parts += 1

    def _put_back(self, part: bytes) -> None:
        rest = self._spool.getvalue()
        self._spool = io.BytesIO()
        self._spool.write(part)
        self._spool.write(rest)
