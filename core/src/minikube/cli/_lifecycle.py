"""stop, delete, status, ip, ssh and profile list.

``status`` and ``ip`` import only the profile's own driver: the catalog is read from the
discovery index (no imports) and just that driver's entry point is loaded.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any

from .. import localpath
from .._errors import ConfigError, MachineNotFoundError, MinikubeError, NotFoundError, RegistryError, UsageError
from ..config import list_profiles, load_profile
from ..machine import HostStore, Machines, State
from ..registry import Registry
from . import _ui
from ._settings import profile_name

log = logging.getLogger("minikube.cli")

#: minikube status's exit code bits: host (1), cluster (2) and Kubernetes (4) not running.
STATUS_NOT_RUNNING = 7


def _not_found(name: str) -> MachineNotFoundError:
    return MachineNotFoundError(f'Profile "{name}" not found. Run "minikube profile list" to view all profiles.',
                                fix=f"To start a cluster, run: minikube start -p {name}")


def _existing(profile: str | None) -> tuple[str, Machines]:
    name = profile_name(profile)
    machines = Registry().machines()
    log.info("profile %s in %s", name, machines.store.home)
    if not machines.exists(name):
        raise _not_found(name)
    return name, machines


def run_stop(profile: str | None) -> None:
    name, machines = _existing(profile)
    _ui.info(f'* Stopping node "{name}" ...')
    try:
        with _ui.spinner(f'Stopping "{name}" ...'):
            machines.stop(name)
    except KeyboardInterrupt:
        raise MinikubeError(f'interrupted while stopping "{name}"', reason_id="MK_INTERRUPTED",
                            fix=f"Run: minikube stop -p {name}") from None
    _ui.info("* 1 node stopped.")


# --- delete ----------------------------------------------------------------------------------

#: What minikube keeps in $MINIKUBE_HOME; --purge removes these and then the directory if empty,
#: so a MINIKUBE_HOME pointed at a directory with other files in it loses only minikube's.
HOME_ENTRIES = ("machines", "profiles", "cache", "locks", "certs", "logs", "config.toml")


def run_delete(profile: str | None, all_profiles: bool, purge: bool) -> None:
    store = HostStore()
    everything = sorted(set(list_profiles()) | set(store.list()))
    names = everything if all_profiles else [profile_name(profile)]
    if purge and not all_profiles:
        others = [n for n in everything if n not in names]
        if others:
            raise UsageError(f"--purge removes every profile's files, but other profiles exist: {', '.join(others)}",
                             fix="Delete them all with: minikube delete --all --purge")
    if all_profiles and not names:
        _ui.info("* No minikube profile was found.")
    for name in names:
        _delete_one(name)
    if purge:
        import shutil

        home = localpath.minikube_home()
        for entry in HOME_ENTRIES:
            path = home / entry
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        try:
            home.rmdir()
        except OSError:
            pass
        _ui.info(f"* Successfully purged minikube's files from {home}")


def _delete_one(name: str) -> None:
    reg = Registry()
    machines = reg.machines()
    store = machines.store
    pdir = localpath.profile_dir(name)
    if not store.machine_dir(name).exists() and not pdir.exists():
        _ui.info(f'* "{name}" profile does not exist, trying anyways.')
        return
    _ui.info(f'* Deleting "{name}" ...')
    try:
        with _ui.spinner(f'Deleting "{name}" ...'):
            _remove_machine(reg, machines, name)
    except KeyboardInterrupt:
        raise MinikubeError(f'interrupted while deleting "{name}"', reason_id="MK_INTERRUPTED",
                            fix=f"Run: minikube delete -p {name}") from None
    import shutil

    shutil.rmtree(pdir, ignore_errors=True)
    _ui.info(f'* Removed all traces of the "{name}" cluster.')


def _remove_machine(reg: Registry, machines: Machines, name: str) -> None:
    try:
        machines.delete(name)
        return
    except MinikubeError as e:
        if not isinstance(e, (ConfigError, NotFoundError, RegistryError)):
            raise  # the driver itself failed to remove the VM: say so, keep the files
        first = e
    # The host config is unreadable or its driver is gone: rebuild the driver from the cluster
    # settings if we can, so the VM is still removed; the files go in any case.
    _ui.warn(f"{first.message}; removing what can be found")
    driver = None
    try:
        cfg = load_profile(name)
        driver = reg.configure(cfg.driver, cfg, cfg.driver_options)
    except MinikubeError as e2:
        _ui.warn(f"could not rebuild the driver to remove the VM: {e2.message}")
        driver = None
    try:
        if driver is not None:
            machines.delete(name, driver=driver)
    except MinikubeError as e3:
        _ui.warn(f"the driver could not remove the VM: {e3.message}")
    finally:
        if driver is not None:
            driver.close()
        machines.store.remove(name)


# --- status, ip, ssh ---------------------------------------------------------------------------

def run_status(profile: str | None, output: str) -> None:
    name, machines = _existing(profile)
    state = machines.status(name)
    host = str(state) or "Nonexistent"
    if output == "json":
        _ui.out(json.dumps({"Name": name, "Host": host, "Driver": machines.load(name).driver_name}))
    else:
        _ui.out(f"{name}\ntype: Control Plane\nhost: {host}")
    raise SystemExit(0 if state == State.RUNNING else STATUS_NOT_RUNNING)


def run_ip(profile: str | None) -> None:
    name, machines = _existing(profile)
    try:
        _ui.out(machines.ip(name))
    except MinikubeError as e:
        if e.reason.id == "GUEST_NOT_RUNNING":
            e.fix = f"Start it with: minikube start -p {name}"
        raise


def run_ssh(profile: str | None, command: list[str]) -> None:
    name, machines = _existing(profile)
    host, port, user, key = machines.ssh_target(name)
    import shutil

    ssh = shutil.which("ssh")
    if ssh is None:
        raise MinikubeError("ssh not found", reason_id="MK_FAILURE",
                            fix="Install OpenSSH's client (Debian: apt-get install openssh-client)")
    if command and command[0] == "--":
        command = command[1:]
    argv = [ssh, "-i", key, "-p", str(port), "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "IdentitiesOnly=yes",
            f"{user}@{host}", *command]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(ssh, argv)


# --- profile list ------------------------------------------------------------------------------

def run_profile_list(output: str) -> None:
    machines = Registry().machines()
    names = sorted(set(list_profiles()) | set(machines.store.list()))
    states = machines.states([n for n in names if machines.exists(n)])
    rows: list[dict[str, Any]] = []
    for name in names:
        try:
            cfg = load_profile(name)
        except MinikubeError as e:
            rows.append({"Name": name, "Error": e.message})
            continue
        state = states.get(name)
        status = "Nonexistent" if state is None else "Error" if isinstance(state, MinikubeError) else str(state)
        rows.append({"Name": name, "Status": status or "Nonexistent", "Driver": cfg.driver,
                     "Config": json.loads(cfg.to_json())})
    valid = [r for r in rows if "Error" not in r]
    invalid = [r for r in rows if "Error" in r]
    if output == "json":
        _ui.out(json.dumps({"invalid": invalid, "valid": valid}))
        return
    if not valid and not invalid:
        _ui.info("* No minikube profile was found.")
        return
    _ui.out(f"{'PROFILE':<20} {'DRIVER':<14} {'STATUS':<12} {'CPUS':<5} {'MEMORY':<8}")
    for p in valid:
        c = p["Config"]
        _ui.out(f"{p['Name']:<20} {p['Driver']:<14} {p['Status']:<12} {c['CPUs']:<5} {c['Memory']:<8}".rstrip())
    for p in invalid:
        _ui.out(f"{p['Name']:<20} {'?':<14} {'Invalid':<12} {p['Error']}")
