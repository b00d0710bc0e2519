"""Writing natstui's own files (config.toml, nats CLI contexts, templates, the compose history)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, text: str, *, mode: int | None = None, dir_mode: int = 0o777) -> None:
    """Replace ``path`` with ``text`` at once: written beside it under a temporary name, then renamed,
    so that a crash or a full disk leaves the old file whole. ``mode`` sets the new file's permissions
    (default: the old file's; a new file is private, 0600). Raises OSError."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=dir_mode)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        if mode is not None:
            os.chmod(tmp, mode)
        elif path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
