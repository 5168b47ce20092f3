"""Shell recipes shipped inside the wheel, run by small console scripts.

Why: the fixes kvm2 prints must name something a pip user has.  A checkout has the recipes
in ``driver-kvm2/iso/`` and ``driver-kvm2/scripts/``; the wheel carries the same files as
``minikube_driver_kvm2/iso/`` and ``minikube_driver_kvm2/scripts/`` (pyproject's force-include),
so one lookup serves an installed package and an editable one.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path


def find(relpath: str) -> Path | None:
    """``iso/build-tiny-iso.sh`` etc.: inside the installed package, or in the checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / relpath, here.parents[1] / relpath):
        if candidate.is_file():
            return candidate
    return None


def run(prog: str, relpath: str, usage: str, argv: list[str] | None) -> int:
    """Run the shipped recipe with bash; ``-h``/``--help`` prints ``usage`` instead."""
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in ("-h", "--help"):
        print(usage.strip())
        return 0
    script = find(relpath)
    if script is None:
        print(f"{prog}: {Path(relpath).name} is not installed with minikube-driver-kvm2; reinstall it "
              "(pip install --force-reinstall minikube-driver-kvm2)", file=sys.stderr)
        return 1
    bash = shutil.which("bash")
    if bash is None:
        print(f"{prog}: bash is needed to run {Path(relpath).name}", file=sys.stderr)
        return 1
    return subprocess.call([bash, str(script), *args])
