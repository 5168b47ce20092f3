"""``minikube start -o json``: minikube's event stream, one CloudEvent per stdout line and nothing
else there; steps numbered as minikube numbers them, download progress from a real local HTTP
server (127.0.0.1 only), and the error event that ends a failed start with its exit code."""

from __future__ import annotations

import hashlib
import http.server
import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from minikube.cli import _events
from minikube.testing import parse_error_line

from ._helpers import Mk, assert_error
from ._server import local_server, send_headers

IMAGE = b"MINIKUBE-TEST-EVENTS-IMAGE\n" * 20_000
SHA = hashlib.sha256(IMAGE).hexdigest()
START_STEPS = list(_events.START_STEPS)


def events(p: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    """Every stdout line as a CloudEvent (asserting the envelope): nothing else may be there."""
    out = []
    assert p.stdout.endswith("\n"), p.stdout
    for line in p.stdout.splitlines():
        ev = json.loads(line)  # a non-JSON line fails here
        assert set(ev) == {"specversion", "id", "source", "type", "datacontenttype", "data"}, ev
        assert ev["specversion"] == "1.0" and ev["source"] == "https://minikube.sigs.k8s.io/"
        assert ev["datacontenttype"] == "application/json" and ev["type"].startswith("io.k8s.sigs.minikube.")
        assert uuid.UUID(ev["id"]).version == 4
        assert all(isinstance(v, str) for v in ev["data"].values()), ev
        out.append(ev)
    assert len({ev["id"] for ev in out}) == len(out)
    return out


def of(evs: list[dict[str, Any]], kind: str) -> list[dict[str, str]]:
    return [ev["data"] for ev in evs if ev["type"] == "io.k8s.sigs.minikube." + kind]


def step_names(evs: list[dict[str, Any]]) -> list[str]:
    """The stages in order, each once (several step events may share one)."""
    names: list[str] = []
    for d in of(evs, "step"):
        if not names or names[-1] != d["name"]:
            names.append(d["name"])
    return names


def assert_numbered(evs: list[dict[str, Any]]) -> None:
    for d in of(evs, "step") + of(evs, "download") + of(evs, "download.progress"):
        assert d["totalsteps"] == "20", d  # minikube's 19 and "Waiting for SSH"
        name = d.get("name", "Downloading Artifacts")
        assert d["currentstep"] == str(START_STEPS.index(name)), d


def test_start_json_is_the_event_stream_only(mk: Mk) -> None:
    p = mk.ok("start", "--driver", "fake", "-o", "json")
    evs = events(p)
    assert step_names(evs) == ["Initial Minikube Setup", "Selecting Driver", "Creating VM", "Done"]
    assert_numbered(evs)
    assert evs[-1]["type"] == "io.k8s.sigs.minikube.step" and evs[-1]["data"]["name"] == "Done"
    assert evs[-1]["data"]["currentstep"] == "20" and evs[-1]["data"]["message"].startswith('Done! "minikube"')
    assert of(evs, "step")[0]["message"].startswith("minikube v")
    assert all(not d["message"].startswith(("*", "!")) for d in of(evs, "step"))
    assert "* " not in p.stderr and "Done!" not in p.stderr  # the text is not printed beside the events
    # Again: the existing machine is started (minikube's "Starting Node"), and a value that
    # cannot change is a warning event.
    p = mk.ok("start", "--driver", "fake", "-o", "json", "--disk-size", "25000mb")
    evs = events(p)
    assert step_names(evs) == ["Initial Minikube Setup", "Selecting Driver", "Starting Node", "Done"]
    assert_numbered(evs)
    assert any("is ignored" in d["message"] for d in of(evs, "warning")), p.stdout
    assert "!" not in p.stderr
    # events.json holds that start's story (not the first one's), in text mode too.
    log = (mk.home / "profiles" / "minikube" / "events.json").read_text().splitlines()
    assert [json.loads(x)["data"]["name"] for x in log if '"io.k8s.sigs.minikube.step"' in x][-1] == "Done"
    assert sum('"Initial Minikube Setup"' in x for x in log) == 1
    mk.ok("start", "--driver", "fake", "-p", "tt")
    log = (mk.home / "profiles" / "tt" / "events.json").read_text().splitlines()
    assert step_names([json.loads(x) for x in log]) == ["Initial Minikube Setup", "Selecting Driver", "Creating VM",
                                                         "Done"]


def _slowly(h: http.server.BaseHTTPRequestHandler) -> None:
    """The image in 10 pieces, ~3 s in all: a few progress events, not one per chunk."""
    send_headers(h, len(IMAGE))
    size = len(IMAGE) // 10 + 1
    for i in range(0, len(IMAGE), size):
        h.wfile.write(IMAGE[i:i + size])
        h.wfile.flush()
        time.sleep(0.3)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with local_server({"/good/boot.iso": IMAGE, "/slow/boot.iso": _slowly}) as srv:
        yield srv.url


def test_start_json_reports_the_boot_image_download(mk: Mk, server: str) -> None:
    """Progress is reported though stdout is a pipe, not a terminal."""
    p = mk.ok("start", "--driver", "fake", "-o", "json", "--iso-url", f"{server}/slow/boot.iso?checksum=sha256:{SHA}")
    evs = events(p)
    assert step_names(evs) == ["Initial Minikube Setup", "Selecting Driver", "Downloading Artifacts", "Creating VM",
                               "Done"]
    assert_numbered(evs)
    kinds = [ev["type"].removeprefix("io.k8s.sigs.minikube.") for ev in evs]
    first, last = kinds.index("download"), len(kinds) - 1 - kinds[::-1].index("download.progress")
    assert kinds.count("download") == 1 and first < last < kinds.index("step", last)
    assert of(evs, "download")[0] == {"currentstep": "2", "totalsteps": "20", "artifact": "boot.iso"}
    progress = [d["progress"] for d in of(evs, "download.progress")]
    assert progress[-1] == "1" and all(d["artifact"] == "boot.iso" for d in of(evs, "download.progress"))
    values = [float(x) for x in progress]
    assert values == sorted(values) and 0 <= values[0] and 2 <= len(values) <= 5, progress  # <= 1 a second
    assert "━" not in p.stderr and "Downloading" not in p.stderr
    # A cached image is no download.
    p = mk.ok("start", "--driver", "fake", "-o", "json", "-p", "again", "--iso-url",
              f"{server}/slow/boot.iso?checksum=sha256:{SHA}")
    assert not of(events(p), "download") and "Downloading Artifacts" not in step_names(events(p))


def test_a_failed_start_ends_with_the_error_event(mk: Mk) -> None:
    text = assert_error(mk("start", "--driver", "nosuch"), "DRV_NOT_FOUND", 55)
    p = mk("start", "--driver", "nosuch", "-o", "json")
    assert p.returncode == 55, p
    evs = events(p)
    err = evs[-1]["data"]
    assert evs[-1]["type"] == "io.k8s.sigs.minikube.error" and len(of(evs, "error")) == 1
    assert err["exitcode"] == "55" and err["name"] == "DRV_NOT_FOUND" and err["advice"]
    assert set(err) == {"message", "exitcode", "name", "advice", "url", "issues"}
    assert err["message"] == parse_error_line(text).message and "Exiting due to" not in err["message"]
    assert "Exiting due to" not in p.stderr
    # A failure after some steps: the steps, then the error with the process's exit code.
    p = mk("start", "--driver", "fake", "-o", "json", "--fake-fail-create")
    evs = events(p)
    assert p.returncode != 0 and evs[-1]["type"] == "io.k8s.sigs.minikube.error", p
    assert evs[-1]["data"]["exitcode"] == str(p.returncode) and evs[-1]["data"]["advice"]
    assert step_names(evs)[-1] == "Creating VM"
    log = (mk.home / "profiles" / "minikube" / "events.json").read_text().splitlines()  # the machine was made
    assert json.loads(log[-1])["data"] == evs[-1]["data"]
    # Usage errors, even those click finds before start runs.
    for args in (["--cpus"], ["--driver", "fake", "--fake-bogus", "1"], ["--memory", "lots"]):
        p = mk("start", "-o", "json", *args)
        assert p.returncode == 14, p
        last = events(p)[-1]
        assert last["type"] == "io.k8s.sigs.minikube.error" and last["data"]["exitcode"] == "14", p.stdout
        assert last["data"]["name"].startswith("MK_") and "advice" in last["data"]
    for form in (["--output=json"], ["-ojson"]):
        p = mk("start", *form, "--driver", "nosuch", "-p", "other")
        assert p.returncode == 55 and events(p)[-1]["data"]["name"] == "DRV_NOT_FOUND"
    assert "'yaml' is not one of" in assert_error(mk("start", "-o", "yaml"), "MK_USAGE", 14)


def test_stop_and_delete_json(mk: Mk) -> None:
    mk.ok("start", "--driver", "fake", "-p", "sd")
    evs = events(mk.ok("stop", "-p", "sd", "-o", "json"))
    assert [(d["name"], d["currentstep"], d["totalsteps"]) for d in of(evs, "step")] == [
        ("Stopping", "0", "2"), ("Done", "2", "2")]
    log = (mk.home / "profiles" / "sd" / "events.json").read_text().splitlines()
    assert [json.loads(x)["data"]["name"] for x in log] == ["Stopping", "Done"]  # the stop replaced the start
    evs = events(mk.ok("delete", "-p", "sd", "-o", "json"))
    assert [(d["name"], d["currentstep"], d["totalsteps"]) for d in of(evs, "step")] == [
        ("Deleting", "0", "3"), ("Done", "2", "3")]
    p = mk("stop", "-p", "sd", "-o", "json")
    assert p.returncode == 85 and events(p)[-1]["data"]["name"] == "GUEST_NOT_FOUND"


def test_event_helpers() -> None:
    assert [_events.progress_text(x) for x in (0, 0.5, 1 / 3, 1, 1.2)] == ["0", "0.5", "0.3333", "1", "1"]
    assert _events.clean("* Done!  ") == "Done!" and _events.clean("! careful") == "careful"
    assert _events.clean("X marks") == "marks" and _events.clean("*bold*") == "*bold*"
    try:
        _events.set_step("Stopping")
        _events.set_step("Done")
        assert _events._numbers() == {"currentstep": "2", "totalsteps": "2"}
        _events.set_step("Creating VM")  # not a stop step
        assert _events._numbers()["currentstep"] == ""
    finally:
        _events.reset()
