"""The sudoers entry that lets a user start a ``needs_root`` plugin, and only that.

Why a module of its own: the entry is a security boundary, and both the core (sudo refused) and a
driver (hyperkit run without root) print it.  Two things make such an entry amount to root for
the user, and both are avoided here:

* ``SETENV`` lets the user pass any variable (``PYTHONPATH``, ``LD_PRELOAD``) to the root
  command.  The entry instead keeps exactly the plugin protocol's two variables, for that one
  command (``Defaults!CMD env_keep += "..."``); ``sudo --preserve-env=A,B`` is then allowed for
  them and nothing else.
* A command the user can rewrite (a console script in the user's venv, or its interpreter, or a
  directory above either) is root for the user whatever the entry says.  :func:`not_root_owned`
  checks the path, and the fix says to install the driver root-owned first when it is not.
"""

from __future__ import annotations

import os
import pwd
import re
import stat

from ._proto import ENV_DRIVER_NAME, ENV_TOKEN

#: All a plugin started through sudo gets of minikube's environment (sudo resets the rest).
SUDO_ENV = (ENV_TOKEN, ENV_DRIVER_NAME)
#: Where the fix installs a driver root-owned, and the root-owned directory on PATH it links from.
ROOT_VENV = "/opt/minikube-driver-{name}"
ROOT_BIN = "/usr/local/bin"


def _escape(word: str) -> str:
    return re.sub(r"([\\,:=\s\"])", r"\\\1", word)


def _user_name(user: str | None) -> str:
    if user is not None:
        return user
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return f"#{os.getuid()}"


def sudoers_lines(executable: str, user: str | None = None) -> tuple[str, str]:
    """The two sudoers lines that let ``user`` (default: this process's) start the plugin as root
    with no password, passing it only the protocol's variables: the ``Defaults!`` line that keeps
    them for this one command, and the user's line (no ``SETENV``)."""
    cmd = _escape(os.path.abspath(executable))
    return (f'Defaults!{cmd} env_keep += "{" ".join(SUDO_ENV)}"',
            f"{_escape(_user_name(user))} ALL=(root) NOPASSWD: {cmd}")


def sudoers_line(executable: str, user: str | None = None) -> str:
    """The user's line of :func:`sudoers_lines` (it needs the ``Defaults!`` line beside it)."""
    return sudoers_lines(executable, user)[1]


def _unsafe(path: str) -> str:
    """Why others than root could change ``path`` ('' when they cannot)."""
    try:
        st = os.lstat(path)
    except OSError as e:
        return f"{path}: {e.strerror}"
    if st.st_uid != 0:
        return f"{path} is owned by uid {st.st_uid}"
    if stat.S_ISLNK(st.st_mode):
        return ""
    sticky_dir = stat.S_ISDIR(st.st_mode) and st.st_mode & stat.S_ISVTX
    if st.st_mode & 0o022 and not sticky_dir:
        return f"{path} is writable by group or others (mode {oct(st.st_mode & 0o777)})"
    return ""


def _chain(path: str) -> list[str]:
    """``path`` and every directory above it."""
    out = [path]
    while (parent := os.path.dirname(out[-1])) != out[-1]:
        out.append(parent)
    return out


def _interpreter(path: str) -> str:
    try:
        with open(path, "rb") as f:
            first = f.readline(512)
    except OSError:
        return ""
    if not first.startswith(b"#!"):
        return ""
    words = first[2:].decode("utf-8", "replace").split()
    return words[0] if words and words[0].startswith("/") else ""


def not_root_owned(executable: str) -> str:
    """Why others than root could change what ``executable`` runs ('' when they cannot).

    Checked are the path, the file it links to, a script's interpreter and every directory above
    each (a sticky directory like /tmp counts as safe: others cannot replace root's entries in it)."""
    todo = [os.path.abspath(executable)]
    seen: set[str] = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for p in _chain(path):
            why = _unsafe(p)
            if why:
                return why
        real = os.path.realpath(path)
        if real != path:
            todo.append(real)
        elif (interp := _interpreter(path)):
            todo.append(interp)
    return ""


def sudoers_fix(executable: str, driver_name: str, distribution: str = "") -> str:
    """The fix when sudo will not start the plugin: the exact lines to add (one line of text).

    A plugin others than root can change is first to be installed root-owned (a root-owned venv,
    linked from a root-owned directory on PATH, which minikube finds before a venv that is not
    activated); the lines then name that copy."""
    drop_in = f"/etc/sudoers.d/minikube-{driver_name}"
    exe = os.path.abspath(executable)
    why = not_root_owned(exe)
    first = ""
    if why:
        venv = ROOT_VENV.format(name=driver_name)
        base = os.path.basename(exe)
        exe = f"{ROOT_BIN}/{base}"
        first = (f"{os.path.abspath(executable)} is not root-owned ({why}), and a sudo entry for it would give "
                 f"root to whoever can change it: install the driver root-owned (sudo python3 -m venv {venv} && "
                 f"sudo {venv}/bin/pip install {distribution or 'minikube-driver-' + driver_name} && "
                 f"sudo ln -sf {venv}/bin/{base} {exe}), then ")
    defaults, user = sudoers_lines(exe)
    what = (f"add the lines '{defaults}' and '{user}' to {drop_in} (sudo visudo -f {drop_in}), "
            "or run minikube as root")
    return first + what if first else "Let this user start it as root without a password: " + what
