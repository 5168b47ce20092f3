"""``minikube-tiny-iso [OUTPUT]``: build the project's small offline test ISO and print its path.

Why it ships here: when minikube's own ISO cannot be downloaded (no network, a blocked mirror),
the fix minikube prints for kvm2 points at this command, and a pip user has no checkout of the
repository.  The recipe (``build-tiny-iso.sh`` and its ``rootfs/``) is put into the wheel as
``minikube_driver_kvm2/iso/``; in a source checkout (an editable install) it is ``driver-kvm2/iso/``.
It needs a Debian-family host (apt) and root or sudo for the build tools; the image boots, takes
the SSH key and a DHCP address, and runs no Kubernetes.  The last line of stdout is the ISO path.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

RECIPE = "build-tiny-iso.sh"


def recipe() -> Path | None:
    """The build script: inside the installed package, or beside the sources of a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "iso" / RECIPE, here.parents[1] / "iso" / RECIPE):
        if candidate.is_file():
            return candidate
    return None


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    script = recipe()
    if script is None:
        print(f"minikube-tiny-iso: {RECIPE} is not installed with minikube-driver-kvm2; reinstall it "
              "(pip install --force-reinstall minikube-driver-kvm2)", file=sys.stderr)
        return 1
    bash = shutil.which("bash")
    if bash is None:
        print("minikube-tiny-iso: bash is needed to build the image", file=sys.stderr)
        return 1
    return subprocess.call([bash, str(script), *args])


if __name__ == "__main__":
    raise SystemExit(main())
