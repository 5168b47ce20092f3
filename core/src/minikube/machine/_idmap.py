"""Who a virtiofs share's files belong to: the guest user sees them as its own, and the guest
never acts on the host as anybody but the user who ran minikube.

virtiofsd passes host owners through: a host folder of uid 1001 is not writable by the guest's
``docker`` (1000), a root-owned 0700 folder not readable at all, and a virtiofsd running as root
(as libvirt runs it) lets guest root act as host root on the share.  QEMU's C virtiofsd (the one
Debian 12 ships) has no option to translate ids, so every virtiofsd minikube starts runs in a
user namespace in which exactly one uid and one gid are mapped: the invoking host user U and its
primary group G appear in the guest as the share's guest owner (``docker``, 1000:1000, or
``--mount-uid/--mount-gid``).  What follows, for any virtiofsd:

- the guest owner reads and writes U's files (a 0700 folder of U's included), and the files it
  makes are U's on the host;
- every other id is unmapped: other users' files show as ``nobody`` (65534) and are reached
  through their "other" permission bits only; guest root cannot make a file (the create is
  refused, as no host id stands for it) and ``chown`` to any id but the owner's fails, so the
  guest cannot make a file root's (or anybody's but U's).

Launched by root (libvirt runs virtiofsd as root), ``setpriv`` first drops to U without
supplementary groups; for minikube run by root, U is root.  Launched by an ordinary user
(qemu2), who cannot drop supplementary groups, an outer namespace in which the user is root with
its subordinate ids (``newuidmap``: setgroups stays allowed) clears them first, and the one-id
namespace is made inside it.  The groups must go: QEMU's C virtiofsd calls ``setgroups`` when
it has any, which a one-id namespace forbids.  ``--keep-caps`` hands the namespace's
capabilities to virtiofsd, which keeps its own sandbox (mount and pid namespaces) inside.
"""

from __future__ import annotations

import os
import shutil
import subprocess

from .._errors import MinikubeError, UsageError

#: The guest owner a share's files appear as unless told otherwise: the ISO's ``docker`` user
#: and group (minikube's ``--mount-uid``/``--mount-gid`` default, by name).
GUEST_NAMES = {"docker": 1000}
DEFAULT_GUEST_OWNER = (1000, 1000)
#: The highest id a namespace maps (``(uid_t)-1`` is "no id").
MAX_ID = 2**32 - 2


def guest_id(value: str, what: str) -> int:
    """``--mount-uid``/``--mount-gid`` (``what``: "uid" or "gid") for virtiofs, as a number.

    The mapping is fixed when virtiofsd starts, before the guest boots, so a name cannot be
    looked up in the guest as 9p's ``dfltuid`` is: a number, or ``docker`` (1000); any other
    name is MK_USAGE with the fix."""
    text = value.strip()
    if text in GUEST_NAMES:
        return GUEST_NAMES[text]
    if text.isdigit() and int(text) <= MAX_ID:
        return int(text)
    flag = "id -u" if what == "uid" else "id -g"
    raise UsageError(f'a virtiofs share\'s owner is fixed before the guest boots, so its {what} must be a number '
                     f'or "docker", not "{value}"',
                     fix=f"Give the guest's number, e.g. the output of: minikube ssh -- {flag} {value}")


def _tool(name: str) -> str:
    return shutil.which(name) or shutil.which(name, path="/usr/bin:/bin:/usr/sbin:/sbin") or name


def userns_argv(guest: tuple[int, int], *, host: tuple[int, int] | None = None,
                launcher_uid: int | None = None) -> list[str]:
    """The command prefix that runs a virtiofsd (the rest of the argv) as host user ``host``
    (default: this process's user), seeing that user as ``guest`` (uid, gid) and nobody else.

    ``launcher_uid`` is who runs the prefix (default: this process): root drops to ``host``
    first; an ordinary user can only run it for itself."""
    uid, gid = host if host is not None else (os.getuid(), os.getgid())
    launcher = os.geteuid() if launcher_uid is None else launcher_uid
    if launcher == 0:
        outer = [_tool("setpriv"), f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--"]
    elif launcher == uid:
        outer = [_tool("unshare"), "--user", "--map-user=0", "--map-group=0", "--map-users=auto",
                 "--map-groups=auto", "--setgroups=allow", "--", _tool("setpriv"), "--clear-groups", "--"]
    else:
        raise ValueError(f"uid {launcher} cannot run a virtiofsd as uid {uid}")
    return [*outer, *inner_argv(guest)]


def inner_argv(guest: tuple[int, int]) -> list[str]:
    """The one-id namespace itself (its creator's ids appear as ``guest``)."""
    return [_tool("unshare"), "--user", f"--map-user={guest[0]}", f"--map-group={guest[1]}", "--keep-caps", "--"]


def probe(argv: list[str]) -> str | None:
    """Run ``argv`` (a prefix and a harmless command): None when it works, else why."""
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as e:
        return str(e)
    if p.returncode == 0:
        return None
    lines = (p.stderr + p.stdout).strip().splitlines()
    return lines[-1] if lines else f"exit {p.returncode}"


def userns_failure(guest: tuple[int, int], command: list[str]) -> str | None:
    """Why ``command`` cannot run in the namespace :func:`userns_argv` makes for ``guest`` here
    (tried for real), or None when it runs."""
    return probe([*userns_argv(guest), *command])


def check_userns(guest: tuple[int, int], fallback: str = "") -> None:
    """The one-id namespace can be made here by this user (tried for real), else HOST_UNSUPPORTED
    with the fix for its cause; ``fallback`` is appended to the fix (e.g. "or use --mount-type 9p")."""
    tail = f", {fallback}" if fallback else ""
    missing = [t for t in ("unshare", "setpriv") if shutil.which(_tool(t)) is None]
    if missing:
        raise MinikubeError(f"virtiofs shares run virtiofsd in a user namespace, which needs {' and '.join(missing)}",
                            reason_id="HOST_UNSUPPORTED", fix=f"Install util-linux (>= 2.38){tail}")
    why = probe([*inner_argv(guest), "true"])
    if why is None:
        return
    if "unrecognized option" in why or "map-user" in why:
        fix = f"Upgrade util-linux to 2.38 or later{tail}"
    else:
        fix = ("Allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1; on Ubuntu "
               f"kernel.apparmor_restrict_unprivileged_userns=0){tail}")
    raise MinikubeError(f"virtiofs shares run virtiofsd in a user namespace, and making one fails here: {why}",
                        reason_id="HOST_UNSUPPORTED", fix=fix)
