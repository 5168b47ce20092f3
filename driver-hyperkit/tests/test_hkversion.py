"""``hyperkit -v`` parsing against recorded outputs, and the health check against a stand-in."""

from __future__ import annotations

import datetime
import time
from pathlib import Path

import pytest
from minikube_driver_hyperkit import MINIMUM_VERSION, is_recent_enough, status, version_date, version_from_output

OUTPUTS = Path(__file__).parent / "fixtures" / "hyperkit-v"


@pytest.mark.parametrize(("fixture", "version", "date", "recent"), [
    ("docker-desktop-v0.20190201-11-gc0dd46.txt", "v0.20190201-11-gc0dd46", datetime.date(2019, 2, 1), True),
    ("homebrew-0.20200908.txt", "0.20200908", datetime.date(2020, 9, 8), True),
    ("homebrew-0.20190201-minimum.txt", "0.20190201", datetime.date(2019, 2, 1), True),
    ("com.docker.hyperkit-v0.20210107.txt", "v0.20210107-44-g3b0b9a", datetime.date(2021, 1, 7), True),
    ("old-v0.20180403-42-g3ba9d8.txt", "v0.20180403-42-g3ba9d8", datetime.date(2018, 4, 3), False),
])
def test_recorded_outputs(fixture: str, version: str, date: datetime.date, recent: bool) -> None:
    v = version_from_output((OUTPUTS / fixture).read_text())
    assert v == version
    assert version_date(v) == date
    assert is_recent_enough(v) is recent


@pytest.mark.parametrize("output", ["", "Usage: hyperkit [-behuwxMACHPWY]", "hyperkit: "])
def test_unexpected_output_is_a_value_error(output: str) -> None:
    with pytest.raises(ValueError):
        is_recent_enough(version_from_output(output))


def test_a_version_without_a_date_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="YYYYMMDD"):
        version_date("v0.dev-build")
    assert version_date(MINIMUM_VERSION) == datetime.date(2019, 2, 1)


def test_healthy_with_a_recent_hyperkit(host: object) -> None:
    st = status()
    assert (st.installed, st.healthy, st.needs_improvement, st.error) == (True, True, False, "")
    assert st.version == "v0.20190201-11-gc0dd46"


def test_an_old_hyperkit_is_healthy_with_the_upgrade_fix(host: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANDIN_HYPERKIT_VERSION_OUTPUT", (OUTPUTS / "old-v0.20180403-42-g3ba9d8.txt").read_text())
    st = status()
    assert (st.installed, st.healthy, st.needs_improvement, st.error) == (True, True, True, "")
    assert st.fix == "Run 'brew upgrade hyperkit'"
    assert st.version == "v0.20180403-42-g3ba9d8"


def test_not_on_path_is_not_installed_with_the_install_fix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    st = status()
    assert (st.installed, st.healthy) == (False, False)
    assert "executable file not found" in st.error
    assert st.fix == "Run 'brew install hyperkit'"


def test_a_hanging_hyperkit_is_given_two_seconds(host: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANDIN_HYPERKIT_VERSION_SLEEP", "10")
    began = time.monotonic()
    st = status()
    assert time.monotonic() - began < 6
    assert (st.installed, st.healthy) == (True, False)
    assert "did not answer within 2s" in st.error


def test_a_failing_hyperkit_is_installed_but_not_healthy(host: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANDIN_HYPERKIT_VERSION_EXIT", "1")
    monkeypatch.setenv("STANDIN_HYPERKIT_VERSION_OUTPUT", "dyld: Library not loaded\n")
    st = status()
    assert (st.installed, st.healthy) == (True, False)
    assert "-v failed:\ndyld: Library not loaded" in st.error
