#!/usr/bin/env bash
# setup.sh — installs everything holdfast needs to build, test and benchmark on Debian 12.
# Run as root (or through sudo). Idempotent: when every package is already installed it only
# checks (dpkg-query) and returns in well under a second, without touching apt.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang-format git
  libpg-query-dev libprotobuf-c-dev librocksdb-dev libpcre2-dev
  libprotobuf-dev protobuf-compiler  # the partition RPC messages (src/partition_rpc)
  libboost-dev libboost-context-dev libasio-dev
  libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev libjemalloc-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libpq-dev postgresql-15 postgresql-client-15
  libssl-dev openssl libidn-dev libcctz-dev tzdata
  libraft-dev libuv1-dev  # replication: canonical's C Raft 0.15 and its libuv backend
  gnuplot-nox bc python3 procps util-linux
  python3-psycopg python3-asyncpg  # tests/e2e/driver_queues.sh: Python drivers' claim loops
  default-jdk-headless libpostgresql-jdbc-java  # pgjdbc: driver_queues.sh, drivers.sh (TLS)
  clang-14 libclang-rt-14-dev  # libFuzzer campaigns (tests/fuzz/run.sh); CI replays with GCC
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages: ${missing[*]}" >&2
  echo "setup: run as root: sudo $0" >&2
  exit 1
fi

echo "setup: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# The postgresql-15 package would create and start a cluster on port 5432; we only want the
# binaries (scripts/pg.sh starts throwaway clusters), so tell postgresql-common not to.
mkdir -p /etc/postgresql-common/createcluster.d
if [ ! -f /etc/postgresql-common/createcluster.d/holdfast.conf ]; then
  echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.d/holdfast.conf
fi
apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "setup: done"
