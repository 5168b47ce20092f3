#!/usr/bin/env bash
# The Go toolchain for the live Go peer tests (core/tests/plugin/go/: a Go libmachine plugin and
# client, standard library only, built offline). Idempotent: does nothing when `go` is on PATH;
# otherwise installs Debian's golang-go (Go 1.19 on Debian 12), running apt-get update first only
# when the package is not known yet. Needs root (or sudo) only when it has to install.
set -euo pipefail

if command -v go >/dev/null 2>&1; then
  echo "setup-go: $(go version)" >&2
  exit 0
fi

SUDO=
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=sudo
  else
    echo "setup-go: go is missing and installing golang-go needs root: run as root, or install Go >= 1.19" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
if ! apt-cache show golang-go >/dev/null 2>&1 || [ -z "$(apt-cache policy golang-go | sed -n 's/^ *Candidate: //p' | grep -v '(none)')" ]; then
  $SUDO apt-get update -q
fi
if ! $SUDO apt-get install -y -q --no-install-recommends golang-go; then
  $SUDO apt-get update -q  # a stale package list: refresh once and retry
  $SUDO apt-get install -y -q --no-install-recommends golang-go
fi

command -v go >/dev/null 2>&1 || { echo "setup-go: golang-go installed but go is not on PATH" >&2; exit 1; }
echo "setup-go: $(go version)" >&2
