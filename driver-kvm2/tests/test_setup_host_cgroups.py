"""scripts/setup-host.sh gives a libvirtd it starts in the test namespace the host's cgroup mounts
(``ip netns exec`` mounts a fresh /sys without them). A libvirtd already running in that namespace
without them (started by hand: ``ip netns exec mk-test libvirtd -d``) must be restarted the
script's way, not accepted.

The script's own code (its functions and its decision block, extracted unchanged by
``setup_host_probe.sh``) runs against sleep processes in a throwaway network namespace: one started
bare, one started the script's way, one in the root namespace. Everything that would act on a
daemon (``pid_of``, ``stop_daemon``, ``virsh``, ``kill``) is stubbed: the real libvirtd is never
touched, so this runs beside the VM tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SETUP

PROBE = Path(__file__).resolve().parent / "setup_host_probe.sh"


@pytest.mark.skipif(not sys.platform.startswith("linux") or os.geteuid() != 0 or shutil.which("ip") is None,
                    reason="makes a network namespace and mounts cgroups in it: needs Linux, root and iproute2")
def test_a_libvirtd_without_the_cgroup_mounts_is_restarted_with_them() -> None:
    p = subprocess.run(["bash", str(PROBE), str(SETUP), f"mk-probe-{os.getpid()}"], capture_output=True,
                       text=True, timeout=120)
    if p.returncode == 2 and "no cgroup mounts" in p.stdout:
        pytest.skip("this host has no cgroup mounts under /sys/fs/cgroup: nothing for the script to give")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "FAIL" not in p.stdout and p.stdout.count("ok   ") == 12, p.stdout
