"""Discovery through real installed distributions and the real ``minikube`` console script."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from _support import DISTS, Minikube, assert_one_line_error
from minikube import DRIVER_API_VERSION

IMPORT_PROBE = """
import sys
from minikube.cli import main
sys.argv = ["minikube", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print("IMPORTED:" + ",".join(sorted(m for m in sys.modules if m.startswith("minikube_driver"))), file=sys.stderr)
"""


@pytest.fixture(scope="module")
def zoo(make_venv, tmp_path_factory) -> Minikube:
    """Good, broken, junk, misnamed, legacy and future drivers installed side by side."""
    v = make_venv("fake", "broken-import", "junk", "misnamed", "legacy", "future")
    return Minikube(v, tmp_path_factory.mktemp("zoo") / "home")


def imported_by(mk: Minikube, *args: str, env: dict[str, str] | None = None
                ) -> tuple[list[str], subprocess.CompletedProcess[str]]:
    p = mk.venv.run("python", "-c", IMPORT_PROBE, *args, env={**mk.env, **(env or {})})
    line = [ln for ln in p.stderr.splitlines() if ln.startswith("IMPORTED:")][-1]
    return [m for m in line[len("IMPORTED:"):].split(",") if m], p


def test_listing_shows_every_driver_with_distribution_and_version(zoo: Minikube) -> None:
    rows = zoo.drivers()
    assert set(rows) >= {"fake", "broken-import", "junk", "misnamed", "legacy", "future"}
    assert rows["fake"]["distribution"] == "minikube-driver-fake"
    assert rows["fake"]["version"] == "1.0.0"
    assert rows["fake"]["type"] == "builtin" and rows["fake"]["priority"] == "Fallback"
    assert rows["fake"]["status"] == "ok"


@pytest.mark.parametrize("args", [("--help",), ("drivers", "list"), ("drivers", "list", "-o", "json"),
                                  ("--version",)])
def test_help_list_and_version_import_no_driver(zoo: Minikube, args: tuple[str, ...]) -> None:
    mods, p = imported_by(zoo, *args)
    assert mods == [], p.stderr
    assert "Traceback" not in p.stderr


def test_completion_imports_no_driver(zoo: Minikube) -> None:
    env = {**zoo.env, "_MINIKUBE_COMPLETE": "complete_bash", "COMP_WORDS": "minikube start --driver f",
           "COMP_CWORD": "3"}
    mods, p = imported_by(zoo, env=env)
    assert "fake" in p.stdout.split()
    assert mods == [], p.stderr


def test_health_quarantines_broken_plugins_and_keeps_the_rest(zoo: Minikube) -> None:
    rows = zoo.drivers("--health")
    assert rows["fake"]["health"]["healthy"] is True
    for name, needle in [("broken-import", "this plugin is broken on purpose"),
                         ("junk", "not a minikube.registry.DriverDef"),
                         ("misnamed", 'named "other-name"')]:
        assert rows[name]["status"] == "broken", rows[name]
        assert needle in rows[name]["error"]
        assert f"minikube-driver-{name}" in rows[name]["fix"]
    text = zoo("drivers", "list", "--health")
    assert text.returncode == 0 and "Traceback" not in text.stderr
    assert "broken (quarantined)" in text.stdout


def test_using_a_broken_plugin_is_one_clear_error(zoo: Minikube) -> None:
    p = zoo("start", "--driver", "broken-import", "-p", "b1")
    line = assert_one_line_error(p, "DRV_PLUGIN_BROKEN", 58)
    assert "minikube-driver-broken-import 1.0.0" in line
    assert "pip install --force-reinstall minikube-driver-broken-import" in p.stderr


def test_strict_plugins_makes_quarantine_fatal(zoo: Minikube) -> None:
    p = zoo("drivers", "list", "--health", env={"MINIKUBE_STRICT_PLUGINS": "1"})
    assert_one_line_error(p, "DRV_PLUGIN_BROKEN", 58)


def test_incompatible_api_is_refused_without_import(zoo: Minikube) -> None:
    rows = zoo.drivers()
    assert rows["future"]["status"] == "incompatible" and rows["future"]["api"] == ">=2.0,<3"
    p = zoo("start", "--driver", "future", "-p", "f1")
    line = assert_one_line_error(p, "DRV_INCOMPATIBLE_API", 56)
    # The module raises at import: had it been imported, the error would be DRV_PLUGIN_BROKEN.
    assert "minikube-driver-future 1.0.0" in line and ">=2.0,<3" in line and f"API {DRIVER_API_VERSION}" in line
    assert "pip install -U minikube" in p.stderr
    assert not (zoo.home / "machines" / "f1").exists()


def test_legacy_driver_without_metadata_is_accepted_with_a_warning(zoo: Minikube) -> None:
    rows = zoo.drivers()
    assert any("no driver API range" in w for w in rows["legacy"]["problems"])
    p = zoo("start", "--driver", "legacy", "-p", "leg")
    assert p.returncode == 0, p.stderr
    assert zoo("delete", "-p", "leg").returncode == 0


def test_the_good_driver_still_works_beside_broken_ones(zoo: Minikube) -> None:
    p = zoo("start", "--driver", "fake", "-p", "good")
    assert p.returncode == 0, p.stderr
    st = zoo("status", "-p", "good", "-o", "json")
    assert st.returncode == 0 and json.loads(st.stdout)["Host"] == "Running"
    assert zoo("delete", "-p", "good").returncode == 0


@pytest.fixture(scope="module")
def plain(make_venv, tmp_path_factory) -> Minikube:
    return Minikube(make_venv("fake"), tmp_path_factory.mktemp("plain") / "home")


def test_install_makes_a_driver_appear_and_uninstall_disappear(plain: Minikube) -> None:
    assert "junk" not in plain.drivers()  # warms the index cache
    plain.venv.install(DISTS / "minikube-driver-junk")
    assert "junk" in plain.drivers()
    plain.venv.uninstall("minikube-driver-junk")
    assert "junk" not in plain.drivers()


def test_two_distributions_claiming_one_name_is_a_conflict(plain: Minikube) -> None:
    plain.venv.install(DISTS / "minikube-driver-dupe")
    try:
        rows = plain.drivers()
        assert rows["fake"]["status"] == "conflict"
        assert set(rows["fake"]["conflict"]) == {"minikube-driver-fake", "minikube-driver-dupe"}
        text = plain("drivers", "list")
        assert "minikube-driver-fake" in text.stdout and "minikube-driver-dupe" in text.stdout
        p = plain("start", "--driver", "fake", "-p", "c1")
        line = assert_one_line_error(p, "DRV_CONFLICT", 51)
        assert "minikube-driver-fake" in line and "minikube-driver-dupe" in line
    finally:
        plain.venv.uninstall("minikube-driver-dupe")
    assert plain.drivers()["fake"]["status"] == "ok"


def test_shadowed_copy_is_named_and_the_imported_one_listed(plain: Minikube, tmp_path: Path) -> None:
    src = tmp_path / "fake-110"
    shutil.copytree(DISTS / "minikube-driver-fake", src)
    pp = src / "pyproject.toml"
    pp.write_text(pp.read_text().replace('version = "1.0.0"', 'version = "1.1.0"'))
    target = tmp_path / "early"
    plain.venv.pip("install", "--no-deps", "--target", str(target), str(src))
    rows = plain.drivers(env={"PYTHONPATH": str(target)})
    assert rows["fake"]["version"] == "1.1.0"  # PYTHONPATH comes first: that copy is imported
    assert any("1.0.0" in s for s in rows["fake"]["shadowed"])


def test_unknown_driver_gets_did_you_mean_and_pip_hint(plain: Minikube) -> None:
    p = plain("start", "--driver", "fak", "-p", "u1")
    line = assert_one_line_error(p, "DRV_NOT_FOUND", 55)
    assert "Did you mean: fake" in line
    assert "pip install minikube-driver-fak" in p.stderr


@pytest.fixture(scope="module")
def declared(make_venv, tmp_path_factory) -> Minikube:
    v = make_venv("fake", "badcaps", "clash")
    return Minikube(v, tmp_path_factory.mktemp("declared") / "home")


@pytest.mark.parametrize("name, words", [
    ("badcaps", "unknown capability 'teleport'"),
    ("clash", "reason ID 'GUEST_NOT_FOUND' clashes with one of minikube's own"),
])
def test_an_invalid_declaration_is_quarantined_in_one_line(declared: Minikube, name: str, words: str) -> None:
    rows = declared.drivers()
    assert rows[name]["status"] == "broken" and words in rows[name]["error"], rows[name]
    assert "\n" not in rows[name]["error"] and "pip install --force-reinstall" in rows[name]["fix"]
    assert rows["fake"]["status"] == "ok"
    text = declared.ok("drivers", "list").stdout
    assert f"broken (quarantined): {rows[name]['error']}" in text
    line = assert_one_line_error(declared("start", "--driver", name, "-p", f"q-{name}"), "DRV_PLUGIN_BROKEN", 58)
    assert words in line
    assert not (declared.home / "machines" / f"q-{name}").exists()
    # Every other driver keeps working: auto-selection skips the quarantined ones.
    p = declared.ok("start", "-p", f"ok-{name}")
    assert "Automatically selected the fake driver" in p.stderr + p.stdout
    declared.ok("delete", "-p", f"ok-{name}")


def test_listings_show_capabilities_and_reasons(declared: Minikube) -> None:
    rows = declared.drivers()
    assert rows["fake"]["capabilities"] == {"mounts": [], "multinode": True, "parallel": True, "needs_root": False,
                                        "boot_image": False, "no_ssh": False}
    info = json.loads(declared.ok("drivers", "info", "fake", "-o", "json").stdout)
    assert info["capabilities"]["parallel"] is True
    text = declared.ok("drivers", "info", "fake").stdout
    assert re.search(r"^capabilities:\s+multinode, parallel$", text, re.M), text


def test_an_alias_claimed_twice_is_unusable_as_an_alias_only(make_venv, tmp_path) -> None:
    mk = Minikube(make_venv("aliasa", "aliasb"), tmp_path / "home")
    rows = mk.drivers()
    assert rows["aliasa"]["status"] == rows["aliasb"]["status"] == "ok"
    assert any('alias "shared" is claimed by both' in p for p in rows["aliasa"]["problems"])
    line = assert_one_line_error(mk("start", "--driver", "shared", "-p", "ss"), "DRV_CONFLICT", 51)
    assert '"shared"' in line and "minikube-driver-aliasa" in line and "minikube-driver-aliasb" in line
    assert not (mk.home / "machines" / "ss").exists()
    mk.ok("start", "--driver", "aliasa", "-p", "aa")  # each driver keeps working by its own name
    assert mk.json("status", "-p", "aa", "-o", "json")["Host"] == "Running"
    assert json.loads((mk.home / "machines" / "aa" / "config.json").read_text())["DriverName"] == "aliasa"
