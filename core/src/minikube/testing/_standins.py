"""Stand-in executables for driver tests: a script that honours a tool's command-line contract.

Drivers that shell out (``hyperkit``, ``vmrun``...) are tested against stand-ins put first on
PATH.  The stand-in runs with this interpreter by absolute path (no ``env``), so its process name
stays the script's own name, which drivers that check "is that pid a hyperkit?" rely on.
"""

from __future__ import annotations

import stat
import sys
from pathlib import Path


def install_standin(bin_dir: Path, name: str, source: Path) -> Path:
    """Copy the Python script ``source`` to ``bin_dir/name`` as an executable with this interpreter."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    dest = bin_dir / name
    dest.write_text(f"#!{sys.executable}\n" + source.read_text())
    dest.chmod(dest.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return dest
