#!/usr/bin/env bash
# Runs every check and test of the workspace: formatting, clippy (warnings are errors),
# and the whole test suite. The records tests (crates/shrike-records), the scale-out tests and
# the stream tests run against real Redis, MariaDB, PostgreSQL and NATS (JetStream) servers on
# their standard local ports: this script starts them when they are not running, and installs
# them (Debian packages) only when the binaries are missing. Kafka is tested against rdkafka's
# MockCluster (no broker is installable here).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo not found: install the Rust toolchain (https://rustup.rs) first" >&2
  exit 2
fi
rustup component add rustfmt clippy >/dev/null 2>&1 || true

# Debian packages for what the checks and tests need (commands from SERVICES.md).
apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "$* missing and not root: install it (apt-get install $*) and re-run" >&2
    exit 2
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# rdkafka builds librdkafka from its bundled C source: it needs make and a C compiler.
command -v make >/dev/null 2>&1 && command -v cc >/dev/null 2>&1 || apt_install build-essential

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

wait_for() { # wait_for NAME COMMAND...: up to 30 s
  local name=$1; shift
  for _ in $(seq 60); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  echo "$name did not come up" >&2
  exit 2
}

# curl and python3 run the README's service examples (crates/shrike-cli/tests/readme.rs).
command -v curl >/dev/null 2>&1 || apt_install curl
command -v python3 >/dev/null 2>&1 || apt_install python3

echo "== services: Redis, MariaDB, PostgreSQL"
# Redis for the scale-out tests (crates/shrike-redis, crates/shrike-server/tests/scale, and the
# cluster test, which starts its own redis-server instances from the same binary).
command -v redis-server >/dev/null 2>&1 || apt_install redis-server redis-tools
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for Redis redis-cli -h 127.0.0.1 -p 6379 ping
fi
[ -x /usr/sbin/mariadbd ] || apt_install mariadb-server
if ! mariadb -uroot -e 'select 1' >/dev/null 2>&1; then
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  wait_for MariaDB mariadb -uroot -e 'select 1'
fi
command -v pg_ctlcluster >/dev/null 2>&1 || apt_install postgresql
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  wait_for PostgreSQL pg_isready -q -h 127.0.0.1 -p 5432
fi

# NATS with JetStream for the stream tests (crates/shrike-server/tests/streams.rs and
# crates/shrike-cli/tests/stream_crash.rs).
[ -x /usr/sbin/nats-server ] || apt_install nats-server
if ! (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; then
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  wait_for NATS bash -c 'exec 3<>/dev/tcp/127.0.0.1/4222'
fi

echo "== cargo test"
cargo test --workspace --locked
