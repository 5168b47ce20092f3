"""kvm2 against plain libvirt, side by side in one run, on the real libvirtd with the tiny ISO.

* ``minikube start`` (create, boot, DHCP lease, minikube's wait until the guest runs a command over
  SSH) and the first ``minikube ssh -- true`` vs the same guest (the same domain XML, disk and ISO,
  made beforehand) started with ``virsh define`` + ``virsh start``, a lease poll (``virsh
  net-dhcp-leases`` every 0.25 s), then ``ssh -i KEY docker@IP exit 0`` every 0.25 s until it
  works.  Target: <= 1.15x (the wait costs no more than the readiness it buys).
* ``minikube status`` of a running machine vs ``virsh domstate``.  Target: <= 3x.  The
  in-process cost of the driver's part (a driver restored from its saved config, ``get_state``)
  is shown too: the rest is the Python CLI starting up.

Needs root and libvirt (scripts/setup-host.sh: libvirtd runs in the ``MINIKUBE_TEST_NETNS``
network namespace, default mk-test; the benchmark enters it, so every packet to a guest stays
inside it).  Elsewhere it prints why it was skipped.  ``BENCH_KVM2_ROUNDS`` sets the boots per side (default 5).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _timing import enter_netns, login, side_by_side, table, time_cmd  # noqa: E402

URI = "qemu:///system"
KVM2 = ROOT / "driver-kvm2"
SMALL = ["--memory", "512mb", "--disk-size", "256mb", "--cpus", "2", "--force"]  # below minikube's minimums


def skip(reason: str) -> None:
    print(f"## kvm2: minikube vs plain libvirt\n\nskipped: {reason}\n")
    raise SystemExit(0)


def virsh(*args: str, check: bool = True) -> str:
    p = subprocess.run(["virsh", "-c", URI, *args], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise RuntimeError(f"virsh {' '.join(args)}: {p.stderr.strip()}")
    return p.stdout


def ensure_host() -> None:
    if os.geteuid() != 0:
        skip("needs root (libvirtd and the guests' networks)")
    if shutil.which("virsh") is None or subprocess.run(["virsh", "-c", URI, "version"], capture_output=True).returncode:
        env = {**os.environ, "MINIKUBE_TEST_NETNS": os.environ.get("MINIKUBE_TEST_NETNS", "mk-test")}
        p = subprocess.run(["bash", str(KVM2 / "scripts" / "setup-host.sh")], env=env, capture_output=True, text=True)
        if p.returncode != 0:
            skip(f"libvirt cannot run here: {p.stderr.strip().splitlines()[-1:]}")
    pid = Path("/run/libvirtd.pid").read_text().strip()
    ns = subprocess.run(["ip", "netns", "identify", pid], capture_output=True, text=True).stdout.strip()
    if not ns:
        skip("libvirtd runs in the root network namespace; start it with MINIKUBE_TEST_NETNS set")
    enter_netns(ns)  # minikube's wait for SSH and the baseline's logins reach the guests in there


def tiny_iso() -> Path:
    given = os.environ.get("MINIKUBE_TINY_ISO")
    if given:
        return Path(given)
    out = subprocess.run(["bash", str(KVM2 / "iso" / "build-tiny-iso.sh")], capture_output=True, text=True,
                         check=True).stdout
    return Path(out.strip().splitlines()[-1])


class Baseline:
    """The same guest without minikube: prepared files and network, then define/start/poll."""

    def __init__(self, work: Path, iso: Path, cpus: int = 2) -> None:
        import ipaddress

        from minikube.machine import generate_ssh_key
        from minikube_driver_kvm2._net import free_subnets, host_networks
        from minikube_driver_kvm2._xml import network_subnets, network_xml

        self.work = work
        self.cpus = cpus
        self.iso = work / "boot2docker.iso"
        shutil.copyfile(iso, self.iso)
        self.key = generate_ssh_key(work / "id_rsa")
        self.network = f"mk-benchbase-{secrets.token_hex(2)}"
        taken = host_networks()
        for name in virsh("net-list", "--all", "--name").split():
            taken += [ipaddress.IPv4Network(s) for s in network_subnets(virsh("net-dumpxml", name))]
        xml = work / "net.xml"
        xml.write_text(network_xml(self.network, free_subnets(taken)[0]))
        virsh("net-define", str(xml))
        virsh("net-start", self.network)
        self.n = 0

    def prepare(self) -> tuple[str, str, Path]:
        """A fresh disk and XML for the next boot (untimed); a new MAC so no old lease counts."""
        from minikube.machine import write_raw_disk
        from minikube_driver_kvm2._xml import DomainSpec, domain_xml

        self.n += 1
        name = f"benchbase-{os.getpid()}-{self.n}"
        mac = "16:" + ":".join(secrets.token_hex(1) for _ in range(5))
        disk = self.work / f"{name}.rawdisk"
        write_raw_disk(disk, self.key, 256)
        spec = DomainSpec(name=name, memory_mb=512, cpus=self.cpus, virt_type="qemu", iso=str(self.iso), disk=str(disk),
                          private_network=self.network, network="default", private_mac=mac,
                          console_log=str(self.work / f"{name}.log"), run_as=(os.geteuid(), os.getegid()))
        xml = self.work / f"{name}.xml"
        xml.write_text(domain_xml(spec))
        return name, mac, xml

    def boot(self, count: int = 1, ssh: bool = True) -> float:
        """Boot ``count`` guests at once (one thread each) until every one has its lease and, with
        ``ssh``, runs ``exit 0`` over SSH with the key."""
        import threading

        guests = [self.prepare() for _ in range(count)]
        t = time.perf_counter()
        errors: list[Exception] = []

        def one(name: str, mac: str, xml: Path) -> None:
            try:
                virsh("define", str(xml))
                virsh("start", name)
                while not (lease := re.search(r"(\d+\.\d+\.\d+\.\d+)/",
                                              virsh("net-dhcp-leases", self.network, "--mac", mac))):
                    time.sleep(0.25)
                if ssh:
                    login(lease.group(1), 22, "docker", str(self.work / "id_rsa"))
            except Exception as e:  # noqa: BLE001 - raised below, after the others
                errors.append(e)

        threads = [threading.Thread(target=one, args=g) for g in guests]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        took = time.perf_counter() - t
        for name, _, _ in guests:
            virsh("destroy", name, check=False)
            virsh("undefine", name, check=False)
        if errors:
            raise errors[0]
        return took

    def close(self) -> None:
        virsh("net-destroy", self.network, check=False)
        virsh("net-undefine", self.network, check=False)


def main() -> None:
    ensure_host()
    iso = tiny_iso()
    rounds = int(os.environ.get("BENCH_KVM2_ROUNDS", "5"))
    minikube = str(Path(sys.executable).with_name("minikube"))
    work = Path(tempfile.mkdtemp(prefix="bench-kvm2-", dir="/tmp"))
    env = {**os.environ, "MINIKUBE_HOME": str(work / "mkhome"), "XDG_CACHE_HOME": str(work / "xdg")}
    made: list[str] = []
    baseline = Baseline(work, iso)
    try:
        subprocess.run([minikube, "drivers", "list"], env=env, capture_output=True, check=True)  # warm caches

        def mk_boot() -> float:
            name = f"bench-{os.getpid()}-{len(made)}"
            made.append(name)
            took = time_cmd([minikube, "start", "-p", name, "--driver", "kvm2", "--kvm-virt-type", "qemu",
                             "--iso-url", str(iso), *SMALL], env=env)
            t = time.perf_counter()
            first = subprocess.run([minikube, "ssh", "-p", name, "--", "true"], env=env, capture_output=True,
                                   stdin=subprocess.DEVNULL)  # the first ssh works: no retry
            took += time.perf_counter() - t
            if first.returncode != 0:
                raise RuntimeError(f"minikube ssh right after start failed: {first.stderr.strip()}")
            state = virsh("domstate", name, check=False).strip()
            if state != "running":
                raise RuntimeError(f"minikube start did not leave {name} running ({state})")
            subprocess.run([minikube, "delete", "-p", name], env=env, capture_output=True)
            return took

        boots = side_by_side({"minikube": mk_boot, "virsh": baseline.boot}, rounds=rounds, warmup=0)

        name = f"bench-{os.getpid()}-status"
        made.append(name)
        subprocess.run([minikube, "start", "-p", name, "--driver", "kvm2", "--kvm-virt-type", "qemu",
                        "--iso-url", str(iso), *SMALL], env=env, capture_output=True, check=True)
        status = side_by_side({"minikube": lambda: time_cmd([minikube, "status", "-p", name], env=env),
                               "virsh": lambda: time_cmd(["virsh", "-c", URI, "domstate", name])}, rounds=15)
        probe = subprocess.run([sys.executable, "-c", IN_PROCESS, name], env=env, capture_output=True, text=True,
                               check=True)
        driver_part = json.loads(probe.stdout)["median"]
    finally:
        for name in made:
            subprocess.run([minikube, "delete", "-p", name], env=env, capture_output=True)
        baseline.close()
        shutil.rmtree(work, ignore_errors=True)
    print(table("kvm2: minikube vs plain libvirt", [
        (f"`minikube start` + first `minikube ssh` vs boot to a working ssh login (tiny ISO, TCG), median of "
         f"{rounds}", boots["minikube"], boots["virsh"], 1.15),
        ("`minikube status` of a running machine", status["minikube"], status["virsh"], 3.0),
    ], note=(f"Baselines: `virsh define` + `virsh start` + `virsh net-dhcp-leases` every 0.25 s, then `ssh -i KEY "
             f"docker@IP exit 0` every 0.25 s until it works, for the same domain XML, disk and ISO (made "
             f"beforehand); `virsh domstate`. Of `minikube status`, the kvm2 "
             f"driver's own part (restore from the saved config, connect, `get_state`, in process) takes "
             f"{driver_part * 1000:.1f} ms; the rest is the Python CLI starting up.")))


IN_PROCESS = r"""
import statistics, sys, time
from minikube.machine import HostStore
from minikube_driver_kvm2 import KVMDriver
raw = HostStore().load(sys.argv[1]).driver_raw
out = []
for _ in range(30):
    t = time.perf_counter()
    d = KVMDriver(); d.set_config_raw(raw); d.get_state(); d.close()
    out.append(time.perf_counter() - t)
print('{"median": %f}' % statistics.median(out))
"""


if __name__ == "__main__":
    main()
