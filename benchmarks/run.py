"""Run every benchmarks/bench_*.py and write their tables into benchmarks/README.md.

    nox -s bench                 # all of them
    nox -s bench -- discovery    # only bench_discovery.py
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

HEADER = """# Benchmarks

Performance targets are ratios measured side by side in one run (these machines are shared and
noisy: every figure is a median of interleaved runs).  Run them with `nox -s bench`; this file is
rewritten by that session.  Targets come from the issues; a row marked NO misses its target.
"""


def main(only: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if only:
        scripts = [s for s in scripts if any(o in s.stem for o in only)]
    sections, failed = [], 0
    for script in scripts:
        print(f"running {script.name} ...", file=sys.stderr, flush=True)
        proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=os.environ)
        if proc.returncode != 0:
            failed += 1
            tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
            sections.append(f"## {script.stem}\n\nFAILED (exit {proc.returncode}):\n\n```\n{tail}\n```\n")
        else:
            sections.append(proc.stdout.strip() + "\n")
        print(sections[-1], flush=True)
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    body = HEADER + f"\nLatest run: {when} on {machine}.\n\n" + "\n".join(sections)
    if not only:
        (HERE / "README.md").write_text(body)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
