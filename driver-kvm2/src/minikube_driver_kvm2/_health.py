"""kvm2's health check (minikube's kvm2 ``status``), with virsh and without libvirt-python.

In order: amd64; virsh on PATH; root or a member of a ``libvirt*`` group; /dev/kvm usable by the
user QEMU runs as (kvm2 runs it as you); ``virsh domcapabilities --virttype kvm`` and ``virsh
list`` under ``LIBVIRT_DEFAULT_URI``, both within 6 s.  Software emulation works, but slowly:
a host where ``auto`` picks it is healthy and *needs improvement*.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

from minikube.registry import Health, current_platform

from ._host import DEV_KVM, DOC, Identity, choose_virt_type, default_uri, dev_kvm_fix, dev_kvm_problem

TIMEOUT = 6.0
NOT_RUNNING_FIX = ("Start libvirtd: virtlogd -d && libvirtd -d (or: systemctl start libvirtd); as root, "
                   "minikube-kvm2-setup-host (installed with minikube-driver-kvm2) installs and starts everything")
_UNREACHABLE = ("Failed to connect socket", "Connection refused", "No such file or directory")
_BAD_URI = ("no connection driver available", "unexpected", "URI")


def _failure(cmd: list[str], out: str, uri: str, fix: str) -> Health:
    text = " ".join(out.split())
    if any(s in text for s in _UNREACHABLE):
        return Health(installed=True, running=False, error=f"libvirtd is not running at {uri}: {text}",
                     reason="PR_KVM_NOT_RUNNING", fix=NOT_RUNNING_FIX, doc=DOC)
    if "failed to connect to the hypervisor" in text and any(s in text for s in _BAD_URI):
        return Health(installed=True, running=True, error=f"LIBVIRT_DEFAULT_URI={uri} does not work: {text}",
                     reason="PR_KVM_URI", fix="Fix or unset LIBVIRT_DEFAULT_URI (qemu:///system is the default)",
                     doc=DOC)
    return Health(installed=True, running=True, error=f"{' '.join(cmd)} failed:\n{out.strip()}", fix=fix, doc=DOC)


def health() -> Health:
    plat = current_platform()
    if not plat.endswith("/amd64"):
        return Health(error=f"KVM is not supported on {plat.partition('/')[2]!r}, contributions are welcome!",
                     fix="you can try a different driver", doc=DOC)
    virsh = shutil.which("virsh")
    if virsh is None:
        return Health(error='exec: "virsh": executable file not found in $PATH', fix="Install libvirt", doc=DOC)
    me = Identity.current()
    if me.uid != 0 and not any(name.startswith("libvirt") for name in me.group_names()):
        return Health(installed=True, running=True,
                     error="libvirt group membership check failed:\nuser is not a member of the appropriate libvirt group",
                     reason="PR_KVM_USER_PERMISSION",
                     fix="Check that libvirtd is properly installed and that you are a member of the appropriate "
                         "libvirt group (remember to relogin)", doc=DOC)
    problem = dev_kvm_problem(me)
    if problem:
        return Health(installed=True, running=True, error=f"{problem}: every libvirt call waits on it for 30 s or more",
                     reason="PR_KVM_DEVICE_PERMISSION", fix=dev_kvm_fix(me), doc=DOC)
    uri = default_uri()
    env = {**os.environ, "LIBVIRT_DEFAULT_URI": uri}
    deadline = time.monotonic() + TIMEOUT
    # Without /dev/kvm, the kvm probe can only fail: probe what kvm2 will use (software emulation).
    probe = "kvm" if os.path.exists(DEV_KVM) else "qemu"
    steps = [([virsh, "domcapabilities", "--virttype", probe], "Follow your Linux distribution instructions for "
              "configuring KVM"),
             ([virsh, "list"], "Check that libvirtd is properly installed and that you are a member of the "
              "appropriate libvirt group (remember to relogin)")]
    for cmd, fix in steps:
        try:
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                                  timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return Health(installed=True, running=True, error=f"{' '.join(cmd)} timed out",
                         fix="Check that the libvirtd service is running and the socket is ready", doc=DOC)
        if proc.returncode != 0:
            return _failure(cmd, proc.stdout + proc.stderr, uri, fix)
    choice = choose_virt_type("auto", me)
    if choice.software:
        return Health(installed=True, healthy=True, running=True, needs_improvement=True,
                     fix=f"{choice.fix} (now: {choice.why})", doc=DOC)
    return Health(installed=True, healthy=True, running=True)
