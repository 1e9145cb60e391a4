#!/usr/bin/env bash
# Installs the Debian packages usdcop needs (idempotent: apt runs only when something is
# missing). Root or sudo required for the install step.
set -euo pipefail

PACKAGES=(
  cmake ninja-build g++ ccache pkg-config clang-format clang-tidy
  libgtest-dev libgmock-dev libbenchmark-dev
  postgresql libpqxx-dev libpq-dev
  libcurl4-openssl-dev libcpp-httplib-dev nlohmann-json3-dev libcli11-dev prometheus-cpp-dev
  libyaml-cpp-dev libspdlog-dev libssl-dev zlib1g-dev libicu-dev
  python3-pandas
  libtorch-dev libopenblas0-openmp libopenblas-openmp-dev
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

# libtorch must run on OpenBLAS (OpenMP build): with Debian's reference BLAS a PPO minibatch is
# ~12x slower (spec 00). Make the alternative point at it if something else won.
blas_alt=libblas.so.3-$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
if ! update-alternatives --query "$blas_alt" 2>/dev/null | grep -q '^Value: .*openblas'; then
  openblas=$(update-alternatives --list "$blas_alt" 2>/dev/null | grep openblas-openmp | head -1 || true)
  if [ -n "$openblas" ]; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO update-alternatives --set "$blas_alt" "$openblas" >/dev/null
  else
    echo "setup: OpenBLAS (libopenblas0-openmp) is not registered as libblas.so.3" >&2
    exit 1
  fi
fi
