#!/usr/bin/env bash
# Installs the Debian packages usdcop needs (idempotent: apt runs only when something is
# missing). Root or sudo required for the install step.
set -euo pipefail

PACKAGES=(
  cmake ninja-build g++ ccache pkg-config
  libgtest-dev libgmock-dev libbenchmark-dev
  postgresql libpqxx-dev libpq-dev
  libcurl4-openssl-dev libcpp-httplib-dev nlohmann-json3-dev libcli11-dev
  libyaml-cpp-dev libspdlog-dev libssl-dev zlib1g-dev
  python3-pandas
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# PostgreSQL's Debian package may start a system cluster; usdcop runs its own, so that one is
# left alone. The server binaries must be where spec 11 says.
if [ ! -x /usr/lib/postgresql/15/bin/pg_ctl ]; then
  echo "setup: PostgreSQL 15 server binaries not found in /usr/lib/postgresql/15/bin" >&2
  exit 1
fi
