"""A dump's content hash together with the identity of the file it was read from (device, inode, size,
mtime and ctime, all from one open descriptor), so that the next import can trust an identical file
without reading it, as git trusts its index: an edit changes mtime and ctime, a replacement the inode,
and ctime cannot be set back by anyone (`touch -d` sets mtime only, and moves ctime to now)."""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# A file changed within this much of the moment it was hashed may change again without its timestamps
# moving (a file system's timestamps are coarse: a jiffy on ext4, 2 s on FAT), so its identity is not
# kept ("racy", in git's word) and the next import reads it again.
RACY_NS = 2_000_000_000
_BLOCK = 8 * 1024 * 1024


@dataclass(frozen=True)
class FileIdentity:
    """What the file system says of a file, enough to tell it was not written to since."""

    device: int
    inode: int
    size: int
    mtime_ns: int
    ctime_ns: int

    @classmethod
    def of(cls, st: os.stat_result) -> FileIdentity:
        return cls(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)

    def text(self) -> str:
        """How the sources table stores it."""
        return f"{self.device}:{self.inode}:{self.size}:{self.mtime_ns}:{self.ctime_ns}"

    def settled_before(self, moment_ns: int) -> bool:
        """Whether the file's last change is safely older than `moment_ns` (wall clock, ns)."""
        return max(self.mtime_ns, self.ctime_ns) < moment_ns - RACY_NS


@dataclass(frozen=True)
class FileDigest:
    """SHA-256 of a file's bytes as stored, and its identity when it may be trusted next time (None: it
    changed too recently, or while it was being read)."""

    sha256: str
    identity: FileIdentity | None

    @property
    def identity_text(self) -> str | None:
        return self.identity.text() if self.identity else None


def current_identity(path: Path) -> FileIdentity:
    """The identity of the file at `path` now."""
    return FileIdentity.of(os.stat(path))


def hash_file(path: Path, stop: Callable[[], bool] | None = None) -> FileDigest | None:
    """Hash the file in blocks of 8 MiB (a thread hashing beside Python work takes the GIL back between
    blocks, so small blocks starve it), and take its identity from the same descriptor: a file replaced
    while it is imported keeps the identity of the bytes hashed. None when `stop()` said so between
    blocks. A file that is not regular is refused at once (a FIFO would block until someone wrote)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with open(fd, "rb", buffering=0) as fh:
        started = time.time_ns()
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            raise OSError(f"{path}: not a regular file")
        digest = hashlib.sha256()
        buffer = bytearray(_BLOCK)
        view = memoryview(buffer)
        while size := fh.readinto(buffer):
            digest.update(view[:size])
            if stop is not None and stop():
                return None
        identity = FileIdentity.of(before)
        trusted = identity == FileIdentity.of(os.fstat(fd)) and identity.settled_before(started)
        return FileDigest(digest.hexdigest(), identity if trusted else None)
