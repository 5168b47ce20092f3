"""The plugin binary as minikube runs it (the conformance kit drives it over the protocol too)."""

from __future__ import annotations

import subprocess

from minikube.machine.plugin import BANNER, PluginDriver, find_plugin_binary


def test_plugin_binary_is_installed_and_serves_the_driver() -> None:
    exe = find_plugin_binary("{{ cookiecutter.driver_name }}")  # PATH, then beside this interpreter, as minikube looks
    bare = subprocess.run([exe], check=False, capture_output=True, text=True, timeout=60)
    assert bare.returncode == 1 and BANNER in bare.stderr
    with PluginDriver.launch("{{ cookiecutter.driver_name }}", executable=exe) as driver:
        assert driver.driver_name() == "{{ cookiecutter.driver_name }}"
        assert [f.name for f in driver.get_create_flags()] == ["{{ cookiecutter.driver_name }}-boot-delay", "{{ cookiecutter.driver_name }}-labels"]
