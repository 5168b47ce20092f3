"""A driver that declares ``needs_root`` gets a root plugin: through ``sudo -n`` for an ordinary user.

A Python console script cannot be setuid, so minikube starts such a plugin with ``sudo -n`` when
it is not root itself and the binary is not a setuid-root executable.  Nothing here is macOS's:
the test driver ``elevated`` (core/tests/dists) declares ``needs_root`` and records who its plugin
ran as; the tests run the real ``minikube`` as an ordinary user they create (``mk-sudo-test``),
from a venv made with Debian's ``/usr/bin/python3`` in a directory that user can read (the
project's Python under /root is not), with a sudoers entry they write and remove.  ``ps`` shows
the root plugin while it works and that none is left after each command.

They need root (to create the user and write /etc/sudoers.d); without it they report a skip with
the reason.  As root, a missing sudo or python3-venv is installed with apt-get, and a failure to
do so fails the tests with what to install.
"""

from __future__ import annotations

import fcntl
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from _support import DISTS, assert_one_line_error
from minikube.testing import Venv, Wheelhouse

USER = "mk-sudo-test"
OTHER = "mk-sudo-other"  # another local user, who must not get to drive USER's root plugin
PLUGIN = "docker-machine-driver-elevated"
SUDOERS = Path("/etc/sudoers.d/mk-sudo-test")  # no dot in the name: sudo skips such files
SYSTEM_PYTHON = "/usr/bin/python3"
#: The user and the sudoers file are the host's, one of each: whoever creates the one or writes the
#: other holds this lock (pytest-xdist workers, or two test runs on one machine, take turns).
HOST_LOCK = Path(tempfile.gettempdir()) / "mk-sudo-test.lock"


@contextmanager
def host_lock() -> Iterator[None]:
    with open(HOST_LOCK, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _apt_install(*packages: str) -> None:
    subprocess.run(["apt-get", "install", "-y", "-q", *packages], capture_output=True, text=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, timeout=600)


def _prepare_host() -> None:
    """sudo, visudo, a system Python that can make venvs, and the test user; fails saying what is missing."""
    if not (shutil.which("sudo") and shutil.which("visudo")):
        _apt_install("sudo")
    if not (shutil.which("sudo") and shutil.which("visudo")):
        pytest.fail("these tests need sudo and visudo, and 'apt-get install -y sudo' did not install them")
    if subprocess.run([SYSTEM_PYTHON, "-c", "import ensurepip, venv"], capture_output=True).returncode != 0:
        _apt_install("python3-venv")
    if subprocess.run([SYSTEM_PYTHON, "-c", "import ensurepip, venv"], capture_output=True).returncode != 0:
        pytest.fail(f"these tests need {SYSTEM_PYTHON} with venv and ensurepip (apt-get install python3-venv)")
    for user in (USER, OTHER):
        try:
            pwd.getpwnam(user)
        except KeyError:
            subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                            "--shell", "/usr/sbin/nologin", user], check=True, capture_output=True)


@dataclass
class UserSide:
    """The test user's minikube: a venv only root can write to, run through ``runuser``."""

    venv: Venv
    uid: int

    @property
    def plugin(self) -> str:
        return str(self.venv.bin / PLUGIN)

    def argv(self, home: Path, *args: str, path: str = "/usr/local/bin:/usr/bin:/bin") -> list[str]:
        env = {"PATH": f"{self.venv.bin}:{path}", "HOME": str(home), "LANG": "C.UTF-8",
               "MINIKUBE_HOME": str(home / ".minikube"), "XDG_CACHE_HOME": str(home / ".cache")}
        return ["runuser", "-u", USER, "--", "/usr/bin/env", "-i", *(f"{k}={v}" for k, v in env.items()),
                str(self.venv.bin / "minikube"), *args]

    def minikube(self, home: Path, *args: str, timeout: float = 120, **kw: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.argv(home, *args, **kw), capture_output=True, text=True, cwd=home,
                              stdin=subprocess.DEVNULL, timeout=timeout)


@pytest.fixture(scope="module")
def user_side(wheelhouse: Wheelhouse) -> Iterator[UserSide]:
    if not sys.platform.startswith("linux"):
        pytest.skip(f"the sudo launch tests use useradd, runuser and apt-get (Linux), this is {sys.platform}")
    if os.geteuid() != 0:
        pytest.skip("the sudo launch tests need root (to create the user mk-sudo-test and write /etc/sudoers.d)")
    with host_lock():
        _prepare_host()
    base = Path(tempfile.mkdtemp(prefix="mk-sudo-venv-", dir="/tmp"))
    try:
        base.chmod(0o755)
        subprocess.run([SYSTEM_PYTHON, "-m", "venv", str(base / "venv")], check=True, capture_output=True)
        venv = Venv(base / "venv", wheelhouse)
        venv.pip("install", "hatchling")
        venv.install("minikube")
        venv.install(DISTS / "minikube-driver-elevated")
        yield UserSide(venv, pwd.getpwnam(USER).pw_uid)
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def home(user_side: UserSide) -> Iterator[Path]:
    """The user's own directory (HOME and MINIKUBE_HOME under it); no sudoers entry to begin with.
    The sudoers file is this test's until it ends (``host_lock``)."""
    d = Path(tempfile.mkdtemp(prefix="mk-sudo-home-", dir="/tmp"))
    os.chown(d, user_side.uid, -1)
    with host_lock():
        SUDOERS.unlink(missing_ok=True)
        try:
            yield d
        finally:
            SUDOERS.unlink(missing_ok=True)
            shutil.rmtree(d, ignore_errors=True)


def allow(*lines: str) -> None:
    """Install ``lines`` as the sudoers drop-in, checked by visudo first."""
    tmp = SUDOERS.with_name("mk-sudo-test.tmp")  # has a dot: sudo ignores it while it is written
    tmp.write_text("".join(line + "\n" for line in lines))
    tmp.chmod(0o440)
    check = subprocess.run(["visudo", "-cf", str(tmp)], capture_output=True, text=True)
    if check.returncode != 0:
        tmp.unlink()
        raise AssertionError(f"visudo rejects {lines!r}: {check.stdout}{check.stderr}")
    tmp.rename(SUDOERS)


def allow_narrow(side: UserSide) -> None:
    """The entry the fix gives (no SETENV: the protocol's two variables kept for this command)."""
    from minikube.machine.plugin import sudoers_lines

    allow(*sudoers_lines(side.plugin, USER))


def plugin_processes(plugin: str) -> list[tuple[int, int, str]]:
    """(euid, ruid, command line) of every process running ``plugin`` (sudo's included)."""
    out = subprocess.run(["ps", "-ww", "-eo", "euid=,ruid=,args="], capture_output=True, text=True, check=True).stdout
    rows = [line.split(None, 2) for line in out.splitlines()]
    return [(int(r[0]), int(r[1]), r[2]) for r in rows if len(r) == 3 and plugin in r[2] and "ps -ww -eo" not in r[2]]


def assert_none_left(plugin: str) -> None:
    deadline = time.monotonic() + 5
    while plugin_processes(plugin) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert plugin_processes(plugin) == [], "plugin processes left behind"


def watch_start(side: UserSide, home: Path, *args: str) -> tuple[subprocess.Popen[str], set[tuple[int, int, str]]]:
    """Start ``minikube start --driver elevated ARGS`` as the user; what ps showed until it ends."""
    p = subprocess.Popen(side.argv(home, "start", "--driver", "elevated", "--elevated-create-delay", "3", *args),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=home,
                         stdin=subprocess.DEVNULL)
    seen: set[tuple[int, int, str]] = set()
    while p.poll() is None:
        seen.update(plugin_processes(side.plugin))
        if any(args.startswith(side.plugin) or args.startswith(str(side.venv.bin / "python"))
               for euid, _, args in seen if euid == 0):
            break
        time.sleep(0.05)
    return p, seen


def test_an_ordinary_user_gets_a_root_plugin_through_sudo_and_delete_cleans_up(user_side: UserSide,
                                                                                home: Path) -> None:
    allow_narrow(user_side)
    p, seen = watch_start(user_side, home)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, out + err
    assert any(e == 0 and r == 0 and user_side.plugin in a and not a.startswith("/usr/bin/sudo")
               for e, r, a in seen), f"no root plugin process seen: {seen}"
    assert any(r == user_side.uid and a.startswith("/usr/bin/sudo -n ") for e, r, a in seen), seen
    machine = home / ".minikube" / "machines" / "minikube"
    ids = json.loads((machine / "plugin-ids.json").read_text())
    assert ids == {"euid": 0, "uid": 0, "sudo_uid": str(user_side.uid)}
    assert (machine / "plugin-ids.json").stat().st_uid == user_side.uid  # given back to the user
    assert (machine / "root-owned.log").stat().st_uid == 0
    assert_none_left(user_side.plugin)
    for args, code in ((("status",), 0), (("stop",), 0), (("status",), 7), (("start",), 0)):
        r = user_side.minikube(home, *args)
        assert r.returncode == code, (args, r.stdout, r.stderr)
        assert_none_left(user_side.plugin)
    r = user_side.minikube(home, "delete")
    assert r.returncode == 0, r.stdout + r.stderr
    assert not machine.exists()
    assert_none_left(user_side.plugin)


def test_ctrl_c_while_the_root_plugin_works_leaves_no_root_process(user_side: UserSide, home: Path) -> None:
    """sudo relays SIGTERM to the root plugin; it cannot relay SIGKILL, so minikube never starts with it."""
    allow_narrow(user_side)
    p, seen = watch_start(user_side, home, "--elevated-create-delay", "30")
    assert any(e == 0 and user_side.plugin in a for e, _, a in seen), seen
    minikube = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True).stdout.split()
    assert len(minikube) == 1, minikube  # runuser's child: minikube itself
    os.kill(int(minikube[0]), signal.SIGINT)  # what a terminal's Ctrl-C sends it
    out, err = p.communicate(timeout=60)
    assert_one_line_error(subprocess.CompletedProcess(p.args, p.returncode, out, err), "MK_INTERRUPTED", 11)
    assert_none_left(user_side.plugin)
    assert user_side.minikube(home, "delete").returncode == 0
    assert_none_left(user_side.plugin)


KILL_SCRIPT = """
import sys, time
from minikube.machine.plugin import PluginDriver
d = PluginDriver.launch("elevated", executable=sys.argv[1], as_root=True)
t = time.monotonic()
d._abort()  # what Ctrl-C, a failed launch and interpreter exit do: stop the plugin now
print(d._proc.popen.returncode, time.monotonic() - t)
"""


def test_stopping_a_plugin_behind_sudo_ends_the_root_process(user_side: UserSide, home: Path) -> None:
    """A SIGKILL of sudo would orphan the root plugin: it is stopped with SIGTERM, which sudo relays."""
    allow_narrow(user_side)
    r = subprocess.run(["runuser", "-u", USER, "--", str(user_side.venv.python), "-c", KILL_SCRIPT,
                        user_side.plugin], capture_output=True, text=True, cwd=home, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    code, took = r.stdout.split()
    # sudo passes the plugin's end on: SIGTERM relayed, or exit 1 when it saw its client go first;
    # never -9 (a SIGKILL of sudo, which leaves the root plugin running)
    assert int(code) in (-signal.SIGTERM, 1) and float(took) < 4, r.stdout
    assert_none_left(user_side.plugin)


DRIVE_SCRIPT = """
import sys, time
from minikube.machine.plugin._client import PluginDriver, _dial
from minikube.machine.plugin._process import PluginProcess
from minikube.machine.plugin._proto import CLIENT_NAMES
from minikube.machine.plugin._rpc import RPCClient
proc = PluginProcess(sys.argv[1], "elevated", as_root=True)  # what PluginDriver.launch does, in two halves
address = proc.wait_address(30)
print(address, flush=True)
sys.stdin.readline()  # the other user has had its go at the port first
sock, leftover = _dial(address, time.monotonic() + 10)
drv = PluginDriver(proc, RPCClient(sock, leftover, CLIENT_NAMES))
drv._check_version(10)
print(drv.driver_name(), flush=True)
drv.close()
"""

INTRUDE_SCRIPT = """
import socket, sys
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)), timeout=10)
try:
    s.sendall(b"CONNECT /_goRPC_ HTTP/1.0\\n\\n")
    said = s.recv(100)
except OSError as e:
    said = repr(e).encode()
print("answered" if said.startswith(b"HTTP/1.0 200") else f"refused: {said!r}")
"""


def test_another_local_user_cannot_drive_the_root_plugin(user_side: UserSide, home: Path) -> None:
    """libmachine's port answers whoever connects: a root plugin answers only the user sudo ran it for.
    Another user connecting first is closed unanswered; the user's own client then drives it."""
    allow_narrow(user_side)
    driver = subprocess.Popen(["runuser", "-u", USER, "--", str(user_side.venv.python), "-c", DRIVE_SCRIPT,
                               user_side.plugin], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, cwd=home)
    try:
        assert driver.stdout is not None and driver.stdin is not None
        address = driver.stdout.readline().strip()
        assert address.startswith("127.0.0.1:"), (address, driver.stderr and driver.stderr.read())
        assert any(e == 0 and user_side.plugin in a for e, _, a in plugin_processes(user_side.plugin))
        other = subprocess.run(["runuser", "-u", OTHER, "--", SYSTEM_PYTHON, "-c", INTRUDE_SCRIPT, address],
                               capture_output=True, text=True, cwd="/", timeout=30)
        assert other.stdout.startswith("refused"), other.stdout + other.stderr
        driver.stdin.write("go\n")
        driver.stdin.flush()
        out, err = driver.communicate(timeout=60)
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.wait()
    assert driver.returncode == 0 and out.strip() == "elevated", out + err
    assert_none_left(user_side.plugin)


@pytest.mark.parametrize("entry", ["none", "without env_keep"])
def test_when_sudo_refuses_the_error_gives_the_sudoers_lines(user_side: UserSide, home: Path, entry: str) -> None:
    """One line with the driver's reason and exit code, the exact lines to add as the fix, nothing made."""
    from minikube.machine.plugin import sudoers_lines

    defaults, line = sudoers_lines(user_side.plugin, USER)
    if entry == "without env_keep":  # allowed, but not to pass the plugin's environment: sudo refuses too
        allow(line)
    r = user_side.minikube(home, "start", "--driver", "elevated")
    err = assert_one_line_error(r, "PR_ELEVATED_NOT_ROOT", 67)
    said = "a password is required" if entry == "none" else "not allowed to set the following environment"
    assert said in err and user_side.plugin in err, err
    assert f"add the lines '{defaults}' and '{line}' to /etc/sudoers.d/minikube-elevated" in r.stderr, r.stderr
    assert "SETENV" not in r.stderr and "not root-owned" not in r.stderr, r.stderr  # the venv is root's
    assert not (home / ".minikube" / "machines" / "minikube").exists()
    assert not (home / ".minikube" / "profiles" / "minikube").exists()
    assert_none_left(user_side.plugin)


def test_a_plugin_its_user_can_change_is_to_be_installed_root_owned_first(user_side: UserSide) -> None:
    """A sudo entry for a file (or interpreter, or directory above) the user can rewrite would be root
    for the user: the fix installs the driver root-owned and names that copy instead."""
    from minikube.machine.plugin import sudoers_fix, sudoers_lines

    d = Path(tempfile.mkdtemp(prefix="mk-sudo-userwritable-", dir="/tmp"))
    try:
        shutil.copy(user_side.plugin, d / PLUGIN)
        os.chown(d, user_side.uid, -1)
        fix = sudoers_fix(str(d / PLUGIN), "elevated", "minikube-driver-elevated")
        assert f"{d / PLUGIN} is not root-owned ({d} is owned by uid {user_side.uid})" in fix, fix
        assert ("sudo python3 -m venv /opt/minikube-driver-elevated && sudo /opt/minikube-driver-elevated/bin/pip "
                "install minikube-driver-elevated && sudo ln -sf /opt/minikube-driver-elevated/bin/"
                f"{PLUGIN} /usr/local/bin/{PLUGIN}") in fix, fix
        defaults, line = sudoers_lines(f"/usr/local/bin/{PLUGIN}")
        assert f"add the lines '{defaults}' and '{line}'" in fix and "SETENV" not in fix, fix
        os.chown(d, 0, -1)
        (d / PLUGIN).write_text(f"#!{d / 'python'}\n")  # a script whose interpreter is the user's
        (d / "python").write_text("")
        os.chown(d / "python", user_side.uid, -1)
        assert f"({d / 'python'} is owned by uid {user_side.uid})" in sudoers_fix(str(d / PLUGIN), "elevated")
    finally:
        shutil.rmtree(d)


def test_without_sudo_installed_the_error_says_so(user_side: UserSide, home: Path) -> None:
    """No sudo on PATH: refused before the plugin is started, with the driver's reason."""
    r = user_side.minikube(home, "start", "--driver", "elevated", path=str(home))  # no sudo there
    err = assert_one_line_error(r, "PR_ELEVATED_NOT_ROOT", 67)
    assert "sudo is not installed" in err, err
    assert "Install sudo" in r.stderr and "or run minikube as root" in r.stderr, r.stderr
    assert not (home / ".minikube" / "machines" / "minikube").exists()
    assert_none_left(user_side.plugin)


def test_no_sudo_for_root_or_a_setuid_root_binary(user_side: UserSide, tmp_path: Path) -> None:
    """minikube as root starts the plugin itself (a fake sudo on PATH would fail the start and
    record being run); a setuid-root executable needs no sudo, a setuid script does (the kernel
    ignores the bit on scripts)."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "sudo").write_text(f"#!/bin/sh\necho called >> {tmp_path / 'sudo-called'}\nexit 1\n")
    (fake / "sudo").chmod(0o755)
    env = {"PATH": f"{fake}:{user_side.venv.bin}:/usr/bin:/bin", "MINIKUBE_HOME": str(tmp_path / "mk"),
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    mk = str(user_side.venv.bin / "minikube")
    r = subprocess.run([mk, "start", "--driver", "elevated"], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert not (tmp_path / "sudo-called").exists()
    ids = json.loads((tmp_path / "mk" / "machines" / "minikube" / "plugin-ids.json").read_text())
    assert ids == {"euid": 0, "uid": 0, "sudo_uid": ""}
    assert subprocess.run([mk, "delete"], env=env, capture_output=True).returncode == 0

    setuid = Path(tempfile.mkdtemp(prefix="mk-sudo-setuid-", dir="/tmp"))
    try:
        setuid.chmod(0o755)
        shutil.copy(shutil.which("true") or "/bin/true", setuid / "binary")
        shutil.copy(user_side.plugin, setuid / "script")
        for f in ("binary", "script"):
            (setuid / f).chmod(0o4755)
        code = ("from minikube.machine.plugin._process import elevation, plugin_argv; import sys; "
                "print(elevation(sys.argv[1]), elevation(sys.argv[2]), plugin_argv(sys.argv[1], as_root=True))")
        r = subprocess.run(["runuser", "-u", USER, "--", str(user_side.venv.python), "-c", code,
                            str(setuid / "binary"), str(setuid / "script")], capture_output=True, text=True,
                           cwd="/", timeout=60)
        assert r.stdout.split(" ", 2) == ["setuid", "sudo", f"['{setuid / 'binary'}']\n"], r.stdout + r.stderr
    finally:
        shutil.rmtree(setuid)


def test_the_fix_is_one_line_even_for_a_path_sudoers_must_escape(user_side: UserSide, tmp_path: Path) -> None:
    """sudoers splits on blanks and treats ``,:=\\`` specially: the lines escape them, and visudo takes them."""
    from minikube.machine.plugin import sudoers_lines

    defaults, line = sudoers_lines("/opt/my venv,x/bin=1/docker-machine-driver-elevated", USER)
    path = r"/opt/my\ venv\,x/bin\=1/docker-machine-driver-elevated"
    assert defaults == f'Defaults!{path} env_keep += "MACHINE_PLUGIN_TOKEN MACHINE_PLUGIN_DRIVER_NAME"'
    assert line == rf"{USER} ALL=(root) NOPASSWD: {path}"
    f = tmp_path / "sudoers"
    f.write_text(f"{defaults}\n{line}\n")
    check = subprocess.run(["visudo", "-cf", str(f)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
