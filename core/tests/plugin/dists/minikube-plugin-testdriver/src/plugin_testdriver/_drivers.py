"""The two test drivers (imported lazily by the plugin: see ``__init__``).

``NoneDriver`` answers like docker-machine's builtin ``none`` driver did in the captures;
``ProbeDriver`` exercises every flag type, error path, slow call and crash.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from minikube import DriverError, HostNotRunningError
from minikube.machine import (
    BaseDriver,
    BoolFlag,
    DriverOptions,
    Flag,
    IntFlag,
    State,
    StringFlag,
    StringSliceFlag,
    json_field,
    to_json_dict,
)

log = logging.getLogger("plugin_testdriver")


@dataclass
class NoneDriver(BaseDriver):
    """docker-machine's ``none`` driver, as recorded."""

    url: str = json_field("URL", "")

    def driver_name(self) -> str:
        return "none"

    def get_create_flags(self) -> list[Flag]:
        return [StringFlag("url", "URL of host when no driver is selected")]

    def set_config_from_flags(self, options: DriverOptions) -> None:
        if "url" not in getattr(options, "keys", lambda: ())():
            log.warning("Trying to access option url which does not exist")
        url = options.string("url")
        if not url:
            raise DriverError("--url option is required when no driver is selected")
        self.url = url
        self.ip_address = urlsplit(url).netloc

    def get_config_raw(self) -> bytes:
        return json.dumps(to_json_dict(self), separators=(",", ":")).encode()

    def get_url(self) -> str:
        return self.url

    def get_ip(self) -> str:
        return self.ip_address

    def get_ssh_hostname(self) -> str:
        return ""

    def get_ssh_key_path(self) -> str:
        return ""

    def get_ssh_port(self) -> int:
        return 0

    def get_ssh_username(self) -> str:
        return ""

    def get_state(self) -> State:
        return State.RUNNING

    def create(self) -> None:
        return None

    def start(self) -> None:
        raise DriverError("hosts without a driver cannot be started")

    def stop(self) -> None:
        raise DriverError("hosts without a driver cannot be stopped")

    def restart(self) -> None:
        raise DriverError("hosts without a driver cannot be restarted")

    def kill(self) -> None:
        raise DriverError("hosts without a driver cannot be killed")

    def remove(self) -> None:
        return None


@dataclass
class ProbeDriver(BaseDriver):
    """A driver whose behaviour the tests steer through its config."""

    url: str = json_field("URL", "")
    delay: float = json_field("Delay", 0.0)
    options: dict[str, Any] = json_field("Options", {})

    def driver_name(self) -> str:
        return "pytest-probe"

    def get_create_flags(self) -> list[Flag]:
        return [
            StringFlag("probe-url", "where the probe points", "PROBE_URL", "tcp://1.2.3.4:2376"),
            IntFlag("probe-int", "an int", "", 42),
            BoolFlag("probe-bool", "a bool", "PROBE_BOOL"),
            StringSliceFlag("probe-list", "a list", "", ("a", "b")),
            StringFlag("probe-ünïcode", "ümlauts ✓"),
        ]

    def set_config_from_flags(self, options: DriverOptions) -> None:
        super().set_config_from_flags(options)
        self.url = options.string("probe-url")
        self.options = {
            "string": options.string("probe-url"),
            "int": options.int("probe-int"),
            "bool": options.bool("probe-bool"),
            "list": options.string_slice("probe-list"),
            "raw": dict(options) if isinstance(options, dict) else None,
        }

    def get_url(self) -> str:
        return self.url

    def get_state(self) -> State:
        return State.STOPPED if self.url == "stopped" else State.RUNNING

    def create(self) -> None:
        if self.url == "panic":
            raise RuntimeError("boom")
        if self.url == "fail":
            raise DriverError("create failed on purpose")

    def pre_create_check(self) -> None:
        time.sleep(self.delay)

    def start(self) -> None:
        raise DriverError("hosts without a driver cannot be started")

    def stop(self) -> None:
        time.sleep(self.delay)

    def kill(self) -> None:
        print("about to crash", flush=True)
        os._exit(3)

    def remove(self) -> None:
        raise HostNotRunningError()

    def restart(self) -> None:
        print("restarting on stdout", flush=True)
        log.debug("restart debug line")
