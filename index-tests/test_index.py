"""Every distribution builds, is complete, and installs by name from a real local index.

See README.md beside this file for what each part proves.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Artifacts, Installed
from indexkit import DRIVER_TOML, Built, IndexServer, dist_of, literal, repo_projects, tomllib, top_packages
from minikube.testing import assert_error_line
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

REPO_PROJECTS = {p.name: p for p in repo_projects()}
REPO_DRIVERS = [n for n, p in REPO_PROJECTS.items() if p.is_driver]
LOWER = {">=", ">", "~=", "==", "==="}
UPPER = {"<", "<=", "~=", "==", "==="}


def _built(artifacts: Artifacts, name: str) -> Built:
    b = artifacts.repo[name]
    assert not b.error, b.error
    return b


def _skip_if_not_installable(artifacts: Artifacts, name: str) -> None:
    if name in artifacts.not_installable:
        pytest.skip(f"{name} is not installed here: {artifacts.not_installable[name]}")


# --- 1. every distribution builds, passes twine and has complete metadata -------------------------

def distribution_problems(b: Built, artifacts: Artifacts) -> list[str]:
    """Everything a published distribution must carry, as a list of what is missing (all of it at once)."""
    if b.error:
        return [b.error]
    if b.wheel is None or b.sdist is None:
        return [f"{b.project.name}: python -m build made no sdist and wheel"]
    problems: list[str] = []

    def need(ok: object, what: str) -> None:
        if not ok:
            problems.append(f"{b.project.name}: {what}")

    project = b.project
    pyproject = project.pyproject["project"]

    # twine, strict: long description renders, metadata is valid for upload.
    twine = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", str(b.sdist), str(b.wheel)],
                           capture_output=True, text=True, timeout=300)
    need(twine.returncode == 0 and twine.stdout.count("PASSED") == 2,
         f"twine check --strict failed: {twine.stdout}{twine.stderr}")

    meta = b.wheel_metadata()
    sdist_meta = b.sdist_metadata()
    for key in ("Name", "Version", "Summary", "Requires-Python", "License-Expression"):
        need(meta.get(key), f"the metadata has no {key}" + (
            ' (set license = "Apache-2.0" in [project])' if key == "License-Expression" else ""))
        need(sdist_meta.get(key) == meta.get(key), f"sdist and wheel disagree on {key}")
    need(canonicalize_name(meta["Name"]) == canonicalize_name(project.name), f"metadata names {meta['Name']}")
    need(len(meta.get("Summary") or "") >= 20, f"summary {meta.get('Summary')!r} says nothing")

    # Long description: the README, as markdown.
    readme_name = pyproject.get("readme")
    if not isinstance(readme_name, str):
        need(False, 'pyproject.toml has no readme = "README.md"')
    else:
        readme = (project.path / readme_name).read_text()
        need(meta.get("Description-Content-Type", "").startswith("text/markdown"), "long description is not markdown")
        need(str(meta.get_payload()).strip() == readme.strip(), f"the long description is not {readme_name}")
        need(readme_name in b.sdist_names(), f"the sdist lacks {readme_name}")

    classifiers = meta.get_all("Classifier") or []
    for prefix in ("Programming Language :: Python :: 3", "Development Status ::", "Operating System ::"):
        need(any(c.startswith(prefix) for c in classifiers), f'no "{prefix}" classifier')
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL") or [])
    need({"Homepage", "Source"} <= set(urls), f"project URLs {sorted(urls)} lack Homepage and Source")
    need(all(u.startswith("https://") for u in urls.values()), f"project URLs not https: {urls}")
    need(meta.get("Requires-Python") and SpecifierSet(meta["Requires-Python"]).contains("3.11"),
         f"requires-python {meta.get('Requires-Python')!r} excludes 3.11")

    # Dependencies with ranges: a lower bound on every one; both bounds on the core (its major bumps break).
    repo_versions = {canonicalize_name(n): artifacts.repo[n].wheel_metadata()["Version"]
                     for n in artifacts.repo if artifacts.repo[n].wheel is not None}
    for text in meta.get_all("Requires-Dist") or []:
        req = Requirement(text)
        ops = {s.operator for s in req.specifier}
        need(ops & LOWER, f"dependency {text!r} has no lower bound")
        own = canonicalize_name(req.name)
        if own in repo_versions:
            need(ops & UPPER, f"dependency {text!r} on this repo's {req.name} has no upper bound "
                              "(its next major release may break it)")
            need(req.specifier.contains(repo_versions[own], prereleases=True),
                 f"{text!r} excludes the repo's {req.name} {repo_versions[own]}")

    # Typed packages ship py.typed.
    if "Typing :: Typed" in classifiers:
        for pkg in top_packages(project):
            need(f"{pkg}/py.typed" in b.wheel_names(), f"Typing :: Typed but the wheel has no {pkg}/py.typed")

    # Single-sourced version: hatch reads it from the package's version file; metadata and file names agree.
    need("version" not in pyproject, "a literal version in pyproject.toml is a second source")
    need("version" in pyproject.get("dynamic", []), "version is not dynamic")
    rel = project.pyproject.get("tool", {}).get("hatch", {}).get("version", {}).get("path")
    file_version = literal(project.path / rel) if rel else None
    need(file_version, "[tool.hatch.version] path names no file with a literal __version__")
    need(meta["Version"] == file_version, f"metadata version {meta['Version']} is not __version__ {file_version}")
    need(dist_of(b.wheel.name)[1] == meta["Version"] == dist_of(b.sdist.name)[1], "file names disagree on version")
    if project.is_driver:
        problems += [f"{project.name}: {p}" for p in driver_problems(b, artifacts)]
    return problems


def driver_problems(b: Built, artifacts: Artifacts) -> list[str]:
    """A driver names itself minikube-driver-*, depends on the core, and declares an API range this core meets."""
    meta = b.wheel_metadata()
    problems = []
    if not b.project.name.startswith("minikube-driver-"):
        problems.append("a driver distribution's name must start with minikube-driver-")
    if not any(canonicalize_name(Requirement(r).name) == "minikube" for r in meta.get_all("Requires-Dist") or []):
        problems.append("it does not depend on minikube")
    if "[minikube.drivers]" not in (b.wheel_text(".dist-info/entry_points.txt") or ""):
        problems.append("the wheel has no minikube.drivers entry point")
    for name, value in b.project.driver_entry_points.items():
        package = value.split(":")[0].split(".")[0]
        toml_text = b.wheel_text(f"{package}/{DRIVER_TOML}")
        if toml_text is None:
            problems.append(f"the wheel lacks {package}/{DRIVER_TOML}")
            continue
        if not any(n.endswith(f"{package}/{DRIVER_TOML}") for n in b.sdist_names()):
            problems.append(f"the sdist lacks {package}/{DRIVER_TOML}")
        api = (tomllib.loads(toml_text).get("drivers", {}).get(name) or {}).get("api")
        if not api:
            problems.append(f"{DRIVER_TOML} declares no api range for [drivers.{name}]")
        elif not SpecifierSet(api).contains(artifacts.driver_api):
            problems.append(f"api range {api} excludes this core's driver API {artifacts.driver_api}")
    return problems


@pytest.mark.parametrize("name", sorted(REPO_PROJECTS))
def test_distribution_builds_and_carries_complete_metadata(artifacts: Artifacts, name: str) -> None:
    problems = distribution_problems(artifacts.repo[name], artifacts)
    assert not problems, "\n".join(problems)


def test_the_template_bakes_a_complete_distribution(artifacts: Artifacts) -> None:
    if artifacts.template is None:
        pytest.skip("cookiecutter-driver/ is not in the repo yet: nothing to bake")
    assert artifacts.template.project.is_driver, "the baked package declares no minikube.drivers entry point"
    problems = distribution_problems(artifacts.template, artifacts)
    assert not problems, "\n".join(problems)


def test_the_index_serves_an_sdist_and_a_wheel_of_every_distribution(artifacts: Artifacts,
                                                                     index: IndexServer) -> None:
    builds = [*artifacts.repo.values(), *([artifacts.template] if artifacts.template else [])]
    assert "minikube" in artifacts.repo and REPO_DRIVERS, sorted(artifacts.repo)
    for b in builds:
        assert not b.error, b.error
        page = index.page(b.project.name)
        for f in b.files:
            assert f'href="/packages/{f.name}#sha256=' in page, (f.name, page)


# --- 2. installed by name, from our index only -------------------------------------------------

def test_install_by_name_goes_through_the_local_index_only(installed: Installed, index: IndexServer,
                                                           artifacts: Artifacts) -> None:
    assert f"Looking in indexes: {index.url}" in installed.output
    assert "Looking in links" not in installed.output
    venv_dists = installed.venv.installed()
    fetched = {dist_of(f) for f in index.downloads()}
    bundled = {"pip", "setuptools"}  # put there by python -m venv itself
    for name, version in venv_dists.items():
        if name not in bundled:
            assert (name, version) in fetched, f"{name} {version} was not fetched from {index.url}"
    # The core came in as the drivers' dependency, from the wheel this session built.
    assert venv_dists.get("minikube") == artifacts.core_version
    assert ("minikube", artifacts.core_version) in fetched
    for name in installed.names:
        assert str(canonicalize_name(name)) in venv_dists


@pytest.mark.parametrize("name", REPO_DRIVERS)
def test_each_driver_is_listed_with_its_distribution_and_version(installed: Installed, artifacts: Artifacts,
                                                                 name: str) -> None:
    _skip_if_not_installable(artifacts, name)
    b = _built(artifacts, name)
    rows = installed.venv.drivers()
    version = b.wheel_metadata()["Version"]
    for driver, _value in b.project.driver_entry_points.items():
        row = rows.get(driver)
        assert row is not None, f"{driver} missing from {sorted(rows)}"
        assert (row["distribution"], row["version"], row["status"]) == (name, version, "ok"), row
        assert row["api"] and SpecifierSet(row["api"]).contains(artifacts.driver_api), row
        assert row["shadowed"] == [] and row["conflict"] == [], row


def test_installed_versions_are_the_packages_own(installed: Installed, artifacts: Artifacts) -> None:
    """At run time too: each installed package's ``__version__`` is its distribution's version."""
    checks = {"minikube": "minikube._version"}
    for name in installed.names:
        checks[name] = f"{top_packages(REPO_PROJECTS[name])[0]}._version"
    script = (f"import importlib, importlib.metadata as m, json\n"
              f"checks = {json.dumps(checks)}\n"
              "print(json.dumps({d: [m.version(d), importlib.import_module(mod).__version__] "
              "for d, mod in checks.items()}))")
    seen = json.loads(installed.venv.python(script))
    for dist, (meta_version, module_version) in seen.items():
        assert meta_version == module_version, (dist, meta_version, module_version)
    version = installed.venv.minikube("version")
    assert version.returncode == 0 and f"v{artifacts.core_version}" in version.stdout, version


def test_uninstalling_hyperkit_makes_it_disappear(installed: Installed, artifacts: Artifacts) -> None:
    if "minikube-driver-hyperkit" not in REPO_PROJECTS:
        pytest.skip("driver-hyperkit is not in the repo yet")
    venv = installed.venv
    assert "hyperkit" in venv.drivers()  # also warms the listing cache, which must notice the removal
    venv.pip("uninstall", "-y", "minikube-driver-hyperkit")
    try:
        rows = venv.drivers()
        assert "hyperkit" not in rows
        assert all(r["distribution"] != "minikube-driver-hyperkit" for r in rows.values())
        p = venv.minikube("start", "--driver", "hyperkit", "-p", "gone")
        line = assert_error_line(p, "DRV_NOT_FOUND", 55).line
        assert '"hyperkit"' in line and "pip install minikube-driver-hyperkit" in p.stderr
    finally:
        venv.install("minikube-driver-hyperkit", no_deps=True)
    assert venv.drivers()["hyperkit"]["distribution"] == "minikube-driver-hyperkit"


@pytest.mark.parametrize(("name", "version", "api", "upgrade", "suggestion"), [
    ("nextapi", "2.0.0", ">=2.0,<3", "upgrade minikube", "Upgrade minikube: pip install -U minikube"),
    ("pastapi", "0.5.0", ">=0.1,<1.0", "upgrade minikube-driver-pastapi",
     "Upgrade the driver: pip install -U minikube-driver-pastapi"),
])
def test_a_driver_for_another_api_is_listed_incompatible_and_refused_without_import(
        installed: Installed, artifacts: Artifacts, name: str, version: str, api: str, upgrade: str,
        suggestion: str) -> None:
    venv = installed.venv
    dist = f"minikube-driver-{name}"
    venv.install(dist)
    row = venv.drivers()[name]
    assert (row["distribution"], row["version"], row["status"], row["api"]) == (dist, version, "incompatible", api)
    text = venv.minikube("drivers", "list")
    assert text.returncode == 0, text
    assert any(ln.strip().startswith(f"! incompatible: supports driver API {api}") for ln in text.stdout.splitlines())
    # --health loads drivers: not this one (had it been imported, it would be "broken").
    assert venv.drivers("--health")[name]["status"] == "incompatible"

    p = venv.minikube("start", "--driver", name, "-p", name)
    line = assert_error_line(p, "DRV_INCOMPATIBLE_API", 56).line
    for needle in (f"{dist} {version}", api, f"minikube {artifacts.core_version}",
                   f"driver API {artifacts.driver_api}", upgrade):
        assert needle in line, (needle, line)
    assert line.endswith(upgrade), line
    assert f"* Suggestion: {suggestion}" in p.stderr, p.stderr
    assert "was imported" not in p.stderr  # the module's own ImportError never ran
    assert not (venv.home / "machines" / name).exists()


# --- 3. bad input ------------------------------------------------------------------------------

def test_a_driver_without_an_api_range_is_accepted_with_a_warning_naming_it(installed: Installed,
                                                                            artifacts: Artifacts) -> None:
    venv = installed.venv
    venv.install("minikube-driver-oldapi")
    row = venv.drivers()["oldapi"]
    assert (row["distribution"], row["version"], row["status"], row["api"]) == (
        "minikube-driver-oldapi", "0.9.0", "ok", None), row
    assert any("minikube-driver-oldapi" in p and "no driver API range" in p for p in row["problems"]), row
    listing = venv.minikube("drivers", "list")
    assert any(ln.strip().startswith("! minikube-driver-oldapi") and "no driver API range" in ln
               for ln in listing.stdout.splitlines()), listing.stdout

    p = venv.minikube("start", "--driver", "oldapi", "-p", "old")
    assert p.returncode == 0, p.stderr
    warnings = [ln for ln in p.stderr.splitlines() if ln.startswith("! ") and "minikube-driver-oldapi" in ln]
    assert len(warnings) == 1, p.stderr
    assert "no driver API range" in warnings[0] and "0.9.0" in warnings[0], warnings
    status = venv.minikube("status", "-p", "old", "-o", "json")
    assert status.returncode == 0 and json.loads(status.stdout)["Host"] == "Running", status
    assert venv.minikube("delete", "-p", "old").returncode == 0


def test_an_entry_point_to_a_missing_module_is_quarantined(installed: Installed, artifacts: Artifacts) -> None:
    venv = installed.venv
    venv.install("minikube-driver-ghost")
    plain = venv.drivers()
    assert plain["ghost"]["distribution"] == "minikube-driver-ghost"  # listed without importing
    rows = venv.drivers("--health")
    ghost = rows["ghost"]
    assert (ghost["status"], ghost["distribution"], ghost["version"]) == ("broken", "minikube-driver-ghost",
                                                                         "1.0.0"), ghost
    assert "minikube-driver-ghost 1.0.0" in ghost["error"]
    assert "No module named 'minikube_driver_ghost.gone'" in ghost["error"], ghost
    assert "minikube-driver-ghost" in ghost["fix"] and "pip" in ghost["fix"], ghost
    for name in installed.names:  # every other driver keeps working (or cannot run on this OS/arch)
        for driver in REPO_PROJECTS[name].driver_entry_points:
            assert rows[driver]["status"] == ("ok" if rows[driver]["supported"] else "not applicable"), rows[driver]
    text = venv.minikube("drivers", "list", "--health")
    assert text.returncode == 0 and "Traceback" not in text.stderr
    assert any("broken (quarantined)" in ln and "minikube_driver_ghost.gone" in ln for ln in text.stdout.splitlines())

    p = venv.minikube("start", "--driver", "ghost", "-p", "ghost")
    line = assert_error_line(p, "DRV_PLUGIN_BROKEN", 58).line
    assert "minikube-driver-ghost 1.0.0" in line and "minikube_driver_ghost.gone" in line, line
    assert "* Suggestion: " in p.stderr and "minikube-driver-ghost" in p.stderr


def test_two_versions_in_two_path_entries_list_the_imported_one_and_name_the_shadowed(
        installed: Installed, tmp_path: Path) -> None:
    venv = installed.venv
    venv.install("minikube-driver-twin==1.0.0")  # into site-packages
    early = tmp_path / "early"
    venv.install("minikube-driver-twin==1.1.0", target=early, no_deps=True)  # a path entry before it
    site = venv.python("import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()

    alone = venv.drivers()["twin"]
    assert (alone["version"], alone["shadowed"]) == ("1.0.0", []), alone

    env = {"PYTHONPATH": str(early), "INDEX_TEST_IMPORT_LOG": str(tmp_path / "imported.log")}
    imported = venv.python("import minikube_driver_twin as m; print(m.__version__, m.__file__)", env=env).split()
    assert imported[0] == "1.1.0" and imported[1].startswith(str(early)), imported
    row = venv.drivers(env=env)["twin"]
    assert (row["distribution"], row["version"], row["status"]) == ("minikube-driver-twin", "1.1.0", "ok"), row
    assert len(row["shadowed"]) == 1, row
    assert "minikube-driver-twin 1.0.0" in row["shadowed"][0] and site in row["shadowed"][0], row
    text = venv.minikube("drivers", "list", env=env)
    assert re.search(r"shadowed \(not used\): minikube-driver-twin 1\.0\.0", text.stdout), text.stdout

    # What the core really imports when it uses the driver is the listed copy.
    (tmp_path / "imported.log").unlink()
    info = venv.minikube("drivers", "info", "twin", "-o", "json", env=env)
    assert info.returncode == 0, info.stderr
    assert (tmp_path / "imported.log").read_text().split()[:2] == ["1.1.0", imported[1]]
    venv.pip("uninstall", "-y", "minikube-driver-twin")


def test_the_baked_template_installs_by_name(installed: Installed, artifacts: Artifacts) -> None:
    if artifacts.template is None:
        pytest.skip("cookiecutter-driver/ is not in the repo yet: nothing to bake")
    b = artifacts.template
    assert not b.error, b.error
    venv = installed.venv
    venv.install(b.project.name)
    rows = venv.drivers()
    for driver in b.project.driver_entry_points:
        row = rows[driver]
        assert (row["distribution"], row["version"], row["status"]) == (
            b.project.name, b.wheel_metadata()["Version"], "ok"), row
        assert SpecifierSet(row["api"]).contains(artifacts.driver_api), row
