"""stop, delete, ip and ssh (``status`` is in ``_status``, ``profile`` in ``_profile``).

``ip`` (like ``status``) imports only the profile's own driver: the catalog is read from the
discovery index (no imports) and just that driver's entry point is loaded.
"""

from __future__ import annotations

import logging
import os
import sys
import time

from .. import localpath
from .._errors import ConfigError, MachineNotFoundError, MinikubeError, NotFoundError, RegistryError, UsageError
from ..config import Node, list_profiles, load_profile, remove_profile
from ..machine import HostStore, Machines
from ..registry import Registry
from . import _ui
from ._lookup import existing, node_machine, node_machines, owner_profile, refuse_node_as_profile
from ._settings import profile_name

log = logging.getLogger("minikube.cli")


def run_stop(profile: str | None) -> None:
    name, machines = existing(profile)
    _ui.events_for(name)
    stopped = 0
    for machine in reversed(node_machines(name, machines)):  # the primary first, as minikube does
        if not machines.exists(machine):
            continue
        _ui.step("Stopping", f'Stopping node "{machine}" ...')
        try:
            with _ui.spinner(f'Stopping "{machine}" ...'):
                machines.stop(machine)
        except KeyboardInterrupt:
            raise MinikubeError(f'interrupted while stopping "{machine}"', reason_id="MK_INTERRUPTED",
                                fix=f"Run: minikube stop -p {name}") from None
        stopped += 1
    _ui.step("Done", f"{stopped} node{'s' if stopped != 1 else ''} stopped.")


# --- delete ----------------------------------------------------------------------------------

#: What minikube keeps in $MINIKUBE_HOME; --purge removes these and then the directory if empty,
#: so a MINIKUBE_HOME pointed at a directory with other files in it loses only minikube's.
HOME_ENTRIES = ("machines", "profiles", "cache", "locks", "certs", "logs", "config.toml")


def run_delete(profile: str | None, all_profiles: bool, purge: bool) -> None:
    store = HostStore()
    # every profile, and every machine that is no profile's node (a node goes with its profile)
    profiles = list_profiles()
    everything = sorted(set(profiles) | {m for m in store.list() if owner_profile(m, profiles) is None})
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
        _ui.step("Puring home dir", f"Successfully purged minikube's files from {home}")  # minikube's spelling


def _delete_one(name: str) -> None:
    refuse_node_as_profile(name)
    reg = Registry()
    machines = reg.machines()
    store = machines.store
    pdir = localpath.profile_dir(name)
    _ui.set_step("Deleting")
    if not store.machine_dir(name).exists() and not pdir.exists():
        _ui.info(f'* "{name}" profile does not exist, trying anyways.')
        return
    _ui.info(f'* Deleting "{name}" ...')
    from ._mount_pids import kill_mount_processes

    if kill_mount_processes(name):  # each unmounts and lets go of its share first, as minikube's delete does
        time.sleep(1.0)
    try:
        for machine in node_machines(name, machines, unreadable_ok=True):  # workers first: the primary takes shared networks
            if machine == name or store.machine_dir(machine).exists():
                with _ui.spinner(f'Deleting "{machine}" ...'):
                    remove_machine(reg, machines, machine, profile=name)
    except KeyboardInterrupt:
        raise MinikubeError(f'interrupted while deleting "{name}"', reason_id="MK_INTERRUPTED",
                            fix=f"Run: minikube delete -p {name}") from None
    remove_profile(name)
    _forget_active(name)
    _ui.step("Done", f'Removed all traces of the "{name}" cluster.')


def _forget_active(name: str) -> None:
    """A deleted profile is no longer the active one (config.toml's ``profile``), as minikube
    unsets it on delete: the next bare command acts on the default profile again."""
    from ..config import save_settings
    from ._settings import Settings

    try:
        settings = Settings()
    except MinikubeError as e:  # a config.toml that does not parse is the user's to fix: left alone
        log.info("active profile not checked: %s", e.message)
        return
    if settings.data.get("profile") == name:
        del settings.data["profile"]
        save_settings(settings.data, settings.path)


def remove_machine(reg: Registry, machines: Machines, name: str, *, profile: str | None = None) -> None:
    """Remove machine ``name`` (a node of ``profile``, by default its own profile's primary)."""
    try:
        machines.delete(name, on_wait=_ui.waiting_for(name))  # another command at work on it: say so, then wait
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
        cfg = load_profile(profile or name)
        from dataclasses import replace

        # a node the profile lost track of is still named by its machine: never the primary's driver
        node = cfg.find_node(name) or (Node(name=name[len(cfg.name) + 1:]) if name != cfg.name else cfg.primary)
        driver = reg.configure(cfg.driver, replace(cfg, node=node), cfg.driver_options)
    except MinikubeError as e2:
        _ui.warn(f"could not rebuild the driver to remove the VM: {e2.message}")
        driver = None
    try:
        if driver is not None:
            machines.delete(name, driver=driver, on_wait=_ui.waiting_for(name))
    except MinikubeError as e3:
        _ui.warn(f"the driver could not remove the VM: {e3.message}")
    finally:
        if driver is not None:
            driver.close()
        machines.store.remove(name)


# --- ip, ssh ------------------------------------------------------------------------------------

def run_ip(profile: str | None, node: str | None = None) -> None:
    name, machines = existing(profile)
    machine = node_machine(name, node)
    if not machines.exists(machine):
        raise MachineNotFoundError(f'machine "{machine}" does not exist',
                                   fix=f"Start it with: minikube node start {node} -p {name}")
    try:
        _ui.out(machines.ip(machine))
    except MinikubeError as e:
        if e.reason.id == "GUEST_NOT_RUNNING":
            e.fix = f"Start it with: minikube start -p {name}"
        raise


def _no_such_node(node: str) -> MinikubeError:
    return MachineNotFoundError(f"Node {node} does not exist.", reason_id="GUEST_NODE_RETRIEVE",
                                fix="See the nodes with: minikube node list")


def _refuse_without_ssh(machines: Machines, machine: str) -> str:
    """minikube's refusal of ``ssh`` on a driver whose machines have no SSH (``no_ssh``), before
    anything is dialed; returns the machine's driver name ("" when its record cannot say)."""
    try:
        dname = machines.load(machine).driver_name
        no_ssh = Registry().capabilities(dname).no_ssh
    except MinikubeError:
        return ""  # an unreadable record or a driver gone: the SSH target lookup says why
    if no_ssh:
        raise _no_ssh(dname)
    return dname


def _no_ssh(dname: str) -> UsageError:
    return UsageError(f"The '{dname}' driver does not support 'minikube ssh' command",
                      fix=f"Its machines have no SSH server (see: minikube drivers info {dname})")


def run_ssh(profile: str | None, command: list[str], node: str | None = None) -> None:
    name, machines = existing(profile)
    machine = node_machine(name, node, _no_such_node)
    if not machines.exists(machine):
        raise _no_such_node(node or machine)
    dname = _refuse_without_ssh(machines, machine)
    host, port, user, key = machines.ssh_target(machine)
    if not host or not port:  # libmachine's none driver: an existing host, no SSH endpoint at all
        raise _no_ssh(dname or "machine's")
    import shutil

    ssh = shutil.which("ssh")
    if ssh is None:
        raise MinikubeError("ssh not found", reason_id="MK_FAILURE",
                            fix="Install OpenSSH's client (Debian: apt-get install openssh-client)")
    if command and command[0] == "--":
        command = command[1:]
    from ..machine._ssh import SSH_OPTIONS, ssh_unreachable

    # A guest that is "Running" to its driver may still not answer (booting, hung, its network
    # gone): say so in seconds, as one line, instead of leaving ssh to hang on it.
    why = ssh_unreachable(host, port)
    if why is not None:
        raise MinikubeError(f'cannot reach "{machine}" over SSH at {host}:{port}: {why}', reason_id="IF_SSH_CLIENT",
                            fix=f"Check it with: minikube status -p {name}; restart it with: minikube stop -p {name} "
                                f"&& minikube start -p {name}")
    argv = [ssh, "-i", key, "-p", str(port)]
    for option in SSH_OPTIONS:
        argv += ["-o", option]
    argv += [f"{user}@{host}", *command]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(ssh, argv)
