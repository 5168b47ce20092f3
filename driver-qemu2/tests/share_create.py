"""Make a machine with shared folders as ``minikube start --mount-string SRC:DST --mount-type KIND``
will (the core's CLI does not take those flags yet): each ``KIND:SRC:DST`` argument parsed by the
core's ``parse_mount_string``, put into ``ClusterConfig.mounts``, the driver configured from it
through the registry (registration's ``configure``) and the machine created in the store, so
that every later command (ssh, stop, start, delete) is the real ``minikube``.

Run by the VM tests as the test user, in its venv:
``python share_create.py ISO KIND:SRC:DST [KIND:SRC:DST...]``.  Prints the mounts as JSON; an
error is one line in minikube's form, with its exit code.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path


def main(iso: str, specs: list[str]) -> None:
    from minikube import ClusterConfig, MinikubeError, localpath
    from minikube.config import save_profile
    from minikube.machine import parse_mount_string
    from minikube.registry import Registry

    shares = []
    for spec in specs:
        kind, _, mount = spec.partition(":")
        shares.append(parse_mount_string(mount, kind))
    cluster = ClusterConfig(name="minikube", driver="qemu2", cpus=2, memory=512, disk_size=2000,
                            minikube_iso=Path(iso).as_uri(), store_path=str(localpath.minikube_home()),
                            mount_string=shares[0].spec, mount_type=shares[0].kind,
                            mounts=[s.to_json() for s in shares])
    reg = Registry()
    machines = reg.machines()
    driver = reg.configure("qemu2", cluster, {"qemu-virt-type": "tcg"})
    try:
        with machines.creating(cluster.name, "qemu2", driver) as session:
            assert session is not None
            save_profile(cluster)
            session.create()
            session.wait_for_ip(120)
    except MinikubeError:
        if not machines.exists(cluster.name):  # refused before anything was made: forget it (as start does)
            shutil.rmtree(localpath.profile_dir(cluster.name), ignore_errors=True)
        raise
    finally:
        driver.close()
    print(json.dumps(cluster.mounts))


if __name__ == "__main__":
    from minikube import MinikubeError

    try:
        main(sys.argv[1], sys.argv[2:])
    except MinikubeError as e:  # one line, as the CLI says it
        print(f"X Exiting due to {e.reason_id}: {e.message}", file=sys.stderr)
        if e.fix:
            print(f"* {e.fix}", file=sys.stderr)
        sys.exit(e.exit_code)
