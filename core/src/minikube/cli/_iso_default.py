"""minikube's default boot image: the ISO version and the mirrors it is published on.

Why constants here: a ``pip install minikube minikube-driver-kvm2 && minikube start`` must boot
something without ``--iso-url``, and the only image a VM driver can count on is the one minikube
itself publishes for each release.  minikube compiles ``ISO_VERSION`` into its binary and tries the
same three mirrors, in this order (Google Cloud Storage, the GitHub release, Aliyun for users in
China); each image has a bare-hex ``<url>.sha256`` beside it.  A newer minikube ISO is taken by
changing :data:`ISO_VERSION` (the names follow ``minikube-<version>-<arch>.iso``).

``MINIKUBE_ISO_MIRRORS`` (comma-separated URL prefixes) replaces the mirror list: for a local
mirror, and for the tests, which point it at servers on 127.0.0.1.
"""

from __future__ import annotations

import os

from ..registry._types import current_platform

ISO_VERSION = "v1.38.0"

#: Where minikube publishes each ISO release, in minikube's order of preference; ``{version}`` and
#: ``{name}`` are filled in.
MIRRORS = (
    "https://storage.googleapis.com/minikube/iso/{name}",
    "https://github.com/kubernetes/minikube/releases/download/{version}/{name}",
    "https://kubernetes.oss-cn-hangzhou.aliyuncs.com/minikube/iso/{name}",
)

MIRRORS_ENV = "MINIKUBE_ISO_MIRRORS"

#: The architectures minikube publishes an ISO for.
ARCHES = ("amd64", "arm64")


def host_arch() -> str:
    """This host's architecture as Go names it (``amd64``, ``arm64``, ...)."""
    return current_platform().partition("/")[2]


def iso_name(arch: str | None = None) -> str:
    return f"minikube-{ISO_VERSION}-{arch or host_arch()}.iso"


def default_urls(arch: str | None = None) -> list[str]:
    """The default ``--iso-url`` list for this host: each mirror's URL of :func:`iso_name`."""
    name = iso_name(arch)
    override = os.environ.get(MIRRORS_ENV, "")
    if override.strip():
        return [f"{prefix.strip().rstrip('/')}/{name}" for prefix in override.split(",") if prefix.strip()]
    return [m.format(version=ISO_VERSION, name=name) for m in MIRRORS]
