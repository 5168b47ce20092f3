"""``minikube-tiny-iso [OUTPUT]``: build the project's small offline test ISO and print its path.

Why it ships here: when minikube's own ISO cannot be downloaded (no network, a blocked mirror),
the fix minikube prints for kvm2 points at this command, and a pip user has no checkout of the
repository.  The recipe (``build-tiny-iso.sh`` and its ``rootfs/``) is put into the wheel as
``minikube_driver_kvm2/iso/``; in a source checkout (an editable install) it is ``driver-kvm2/iso/``.
It needs a Debian-family host (apt) and root or sudo for the build tools; the image boots, takes
the SSH key and a DHCP address, and runs no Kubernetes.  The last line of stdout is the ISO path.
"""

from __future__ import annotations

from ._shipped import run

RECIPE = "iso/build-tiny-iso.sh"


def main(argv: list[str] | None = None) -> int:
    return run("minikube-tiny-iso", RECIPE, __doc__ or "", argv)


if __name__ == "__main__":
    raise SystemExit(main())
