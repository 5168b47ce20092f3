"""stop, delete, status, ip, ssh and profile list."""

from __future__ import annotations

import json
import os
import shutil
import sys

from .. import localpath
from .._errors import ConfigError, MachineNotFoundError, MinikubeError
from .._runtime import Runtime
from ..config import list_profiles, load_profile, load_settings
from ..machine import HostStore, State
from . import _ui
from ._start import profile_name


def _name(profile: str | None) -> str:
    return profile_name(profile, load_settings())


def run_stop(profile: str | None) -> None:
    name = _name(profile)
    rt = Runtime()
    machines = rt.machines()
    if not machines.exists(name):
        raise MachineNotFoundError(f'Profile "{name}" not found. Run "minikube profile list" to view all profiles.',
                                   fix="To start a cluster, run: minikube start")
    _ui.info(f'* Stopping node "{name}" ...')
    machines.stop(name)
    _ui.info(f'* 1 node stopped.')


def run_delete(profile: str | None, all_profiles: bool, purge: bool) -> None:
    names = sorted(set(list_profiles()) | set(HostStore().list())) if all_profiles else [_name(profile)]
    for name in names:
        _delete_one(name)
    if purge:
        home = localpath.minikube_home()
        shutil.rmtree(home, ignore_errors=True)
        _ui.info(f"* Removed {home}")


def _delete_one(name: str) -> None:
    rt = Runtime()
    machines = rt.machines()
    store = machines.store
    pdir = localpath.profile_dir(name)
    if not store.machine_dir(name).exists() and not pdir.exists():
        _ui.info(f'* "{name}" profile does not exist, trying anyways.')
        return
    _ui.info(f'* Deleting "{name}" ...')
    try:
        machines.delete(name)
    except ConfigError as e:
        # The host config is unreadable: rebuild the driver from the cluster settings, if we can.
        _ui.warn(f"{e.message}; removing what can be found")
        driver = None
        try:
            cfg = load_profile(name)
            raw = rt.driver_config(cfg.driver, cfg, None)
            driver = rt.new_driver(cfg.driver)
            driver.set_config_raw(raw)
        except MinikubeError as e2:
            _ui.warn(f"could not rebuild the driver to remove the VM: {e2.message}")
            driver = None
        try:
            machines.delete(name, driver=driver)
        except MinikubeError as e3:
            _ui.warn(f"the driver could not remove the VM: {e3.message}")
            store.remove(name)
        finally:
            if driver is not None:
                driver.close()
    shutil.rmtree(pdir, ignore_errors=True)
    _ui.info(f'* Removed all traces of the "{name}" cluster.')


def run_status(profile: str | None, output: str) -> None:
    name = _name(profile)
    rt = Runtime()
    machines = rt.machines()
    if not machines.exists(name):
        raise MachineNotFoundError(f'Profile "{name}" not found. Run "minikube profile list" to view all profiles.',
                                   fix="To start a cluster, run: minikube start")
    state = machines.status(name)
    host = str(state) or "Nonexistent"
    if output == "json":
        _ui.out(json.dumps({"Name": name, "Host": host, "Driver": machines.load(name).driver_name}))
    else:
        _ui.out(f"{name}\ntype: Control Plane\nhost: {host}")
    raise SystemExit(0 if state == State.RUNNING else 7)


def run_ip(profile: str | None) -> None:
    name = _name(profile)
    rt = Runtime()
    machines = rt.machines()
    if not machines.exists(name):
        raise MachineNotFoundError(f'Profile "{name}" not found.', fix="To start a cluster, run: minikube start")
    _ui.out(machines.ip(name))


def run_ssh(profile: str | None, command: list[str]) -> None:
    name = _name(profile)
    machines = Runtime().machines()
    if not machines.exists(name):
        raise MachineNotFoundError(f'Profile "{name}" not found.', fix="To start a cluster, run: minikube start")
    host, port, user, key = machines.ssh_target(name)
    ssh = shutil.which("ssh")
    if ssh is None:
        raise MinikubeError("ssh not found", fix="Install OpenSSH's client (Debian: apt-get install openssh-client)")
    if command and command[0] == "--":
        command = command[1:]
    argv = [ssh, "-i", key, "-p", str(port), "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "IdentitiesOnly=yes",
            f"{user}@{host}", *command]
    sys.stdout.flush()
    os.execv(ssh, argv)


def run_profile_list(output: str) -> None:
    rt = Runtime()
    machines = rt.machines()
    valid, invalid = [], []
    for name in sorted(set(list_profiles()) | set(machines.store.list())):
        try:
            cfg = load_profile(name)
            state = str(machines.status(name)) if machines.exists(name) else "Nonexistent"
            valid.append({"Name": name, "Status": state, "Driver": cfg.driver,
                          "Config": json.loads(cfg.to_json())})
        except MinikubeError as e:
            invalid.append({"Name": name, "Error": e.message})
    if output == "json":
        _ui.out(json.dumps({"invalid": invalid, "valid": valid}))
        return
    if not valid and not invalid:
        _ui.info('* No minikube profile was found.')
        return
    _ui.out(f"{'PROFILE':<20} {'DRIVER':<14} {'STATUS':<12}")
    for p in valid:
        _ui.out(f"{p['Name']:<20} {p['Driver']:<14} {p['Status']:<12}")
    for p in invalid:
        _ui.out(f"{p['Name']:<20} {'?':<14} {'Invalid':<12} {p['Error']}")
