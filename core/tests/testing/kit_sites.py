"""Driver distributions made on the spot: a package and its .dist-info on a private sys.path entry.

The kit finds them through the real discovery (importlib metadata entry points, the
minikube-driver.toml beside the package, stevedore), as if pip had installed them; the tests
that need pip itself use real venvs.
"""

from __future__ import annotations

import importlib
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

TOML = """\
[drivers.{name}]
aliases = {aliases}
builtin = {builtin}
default = {default}
priority = "{priority}"
platforms = {platforms}
api = "{api}"
summary = "{summary}"
"""


@dataclass
class Site:
    """A directory on sys.path that drivers are 'installed' into."""

    path: Path
    bin: Path

    def add_driver(self, name: str, source: str, *, dist: str | None = None, toml: str | None = None,
                   module: str | None = None, console_script: str | None = None, **declared: object) -> str:
        """Write ``minikube_driver_<x>`` (whose ``__init__`` is ``source``, exporting DRIVER) and its metadata."""
        module = module or "minikube_driver_" + name.replace("-", "_")
        dist = dist or f"minikube-driver-{name}"
        pkg = self.path / module
        pkg.mkdir()
        (pkg / "__init__.py").write_text(textwrap.dedent(source))
        if toml is None:
            fields = {"aliases": "[]", "builtin": "true", "default": "true", "priority": "Fallback",
                      "platforms": "[]", "api": ">=1.0,<2", "summary": f"test driver {name}"}
            fields.update({k: str(v) for k, v in declared.items()})
            toml = TOML.format(name=name, **fields)
        if toml:
            (pkg / "minikube-driver.toml").write_text(toml)
        info = self.path / f"{dist.replace('-', '_')}-1.0.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0.0\n")
        (info / "entry_points.txt").write_text(f"[minikube.drivers]\n{name} = {module}:DRIVER\n")
        if console_script:
            script = self.bin / f"docker-machine-driver-{name}"
            script.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(self.path)!r})\n"
                              + textwrap.dedent(console_script))
            script.chmod(0o755)
        importlib.invalidate_caches()
        return module


