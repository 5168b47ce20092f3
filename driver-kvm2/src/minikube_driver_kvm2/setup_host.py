"""``minikube-kvm2-setup-host``: install and start what the kvm2 driver needs on this host.

Run it as root (``sudo "$(command -v minikube-kvm2-setup-host)"``) on a Debian-family host: it
installs libvirt's daemon, QEMU and dnsmasq with apt, makes /dev/kvm usable by the kvm group,
starts virtlogd and libvirtd when they are not running (no systemd needed), and makes sure
libvirt's ``default`` network is active.  Idempotent.  Why it ships here: minikube's fix for
"libvirtd is not running" names this command, and a pip user has no checkout of the repository.
Exit status: 0 ready; 2 not root; 3 packages could not be installed; 4 libvirt cannot run here;
5 a libvirtd in another network namespace would not stop.
"""

from __future__ import annotations

from ._shipped import run

RECIPE = "scripts/setup-host.sh"


def main(argv: list[str] | None = None) -> int:
    return run("minikube-kvm2-setup-host", RECIPE, __doc__ or "", argv)


if __name__ == "__main__":
    raise SystemExit(main())
