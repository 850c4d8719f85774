#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages asyncbo needs, but only those that are missing.
#   bash scripts/setup.sh           what building and running need
#   bash scripts/setup.sh --tests   that, and what the tests need (chromium)
set -euo pipefail

packages=(
  g++ cmake make
  libcaf-dev libeigen3-dev
  libboost-test-dev libboost-random-dev
  liblbfgspp-dev nlohmann-json3-dev
  libcpp-httplib-dev pkg-config
  python3 openssl
  pybind11-dev python3-pybind11   # the Python package (import asyncbo)
)
if [ "${1:-}" = "--tests" ]; then
  packages+=(chromium)   # the dashboard's browser test
  packages+=(python3-pytest python3-numpy)   # the Python package's tests
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "asyncbo setup: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "asyncbo setup: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
