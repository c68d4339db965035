"""Locks the operating system holds on an open file for as long as its process lives: a lock
left by a process that died is released by the OS itself.

On Windows the lock covers one byte far past the file's data (`LOCK_OFFSET`), so that others
can still read what the file holds (Windows lets no one else read locked bytes).
"""

import os

LOCK_OFFSET = 1 << 40

if os.name == "nt":
    import msvcrt

    def lock(file, offset=LOCK_OFFSET):
        """Lock `file` for this process, or raise OSError when another holds it."""
        file.seek(offset)
        msvcrt.locking(file.fileno(), msvcrt.LK_NBLCK, 1)

    def unlock(file, offset=LOCK_OFFSET):
        file.seek(offset)
        msvcrt.locking(file.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def lock(file, offset=LOCK_OFFSET):
        """Lock `file` for this process, or raise OSError when another holds it."""
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def unlock(file, offset=LOCK_OFFSET):
        fcntl.flock(file.fileno(), fcntl.LOCK_UN)
