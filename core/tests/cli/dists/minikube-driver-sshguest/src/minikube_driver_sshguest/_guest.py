"""The "guest" of an sshguest machine: accepts and closes TCP connections while it boots (as
QEMU's user network does before the guest's sshd is up), then serves SSH with asyncssh,
authorizing only the machine's public key (mode ``wrong-key``: another one), and runs each
command with ``/bin/sh -c`` in the machine's directory."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

import asyncssh


async def _booting(port: int) -> asyncio.base_events.Server:
    async def close(_r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        w.close()

    return await asyncio.start_server(close, "127.0.0.1", port, reuse_address=True)


async def _run(process: asyncssh.SSHServerProcess, guest: Path) -> None:
    command = process.command or "exec /bin/sh"
    proc = await asyncio.create_subprocess_shell(
        command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        cwd=str(guest))
    stdin = b""
    if not process.command:
        stdin = (await process.stdin.read()).encode()
    out, err = await proc.communicate(stdin)
    process.stdout.write(out.decode(errors="replace"))
    process.stderr.write(err.decode(errors="replace"))
    process.exit(proc.returncode or 0)


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--mode", default="ok")
    ap.add_argument("--dir", required=True)
    a = ap.parse_args()
    guest = Path(a.dir)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    booting = await _booting(a.port)
    if a.mode == "no-sshd":
        await stop.wait()
        return
    try:
        await asyncio.wait_for(stop.wait(), timeout=a.delay)
        return  # stopped while booting
    except asyncio.TimeoutError:
        pass
    booting.close()
    await booting.wait_closed()
    host_key = guest / "guest_host_key"
    if not host_key.exists():
        asyncssh.generate_private_key("ssh-ed25519").write_private_key(str(host_key))
    if a.mode == "wrong-key":
        authorized = asyncssh.import_authorized_keys(
            asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode())
    else:
        authorized = asyncssh.read_authorized_keys(a.key)
    server = await asyncssh.listen("127.0.0.1", a.port, server_host_keys=[str(host_key)],
                                   authorized_client_keys=authorized,
                                   process_factory=lambda p: _run(p, guest),
                                   reuse_address=True)
    print(f"sshguest: SSH on 127.0.0.1:{a.port}", flush=True)
    await stop.wait()
    server.close()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
