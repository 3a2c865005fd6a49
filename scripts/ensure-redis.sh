#!/usr/bin/env bash
# Why: the tests use the reference redis-server/redis-cli 7.0.15 (Debian's packages) as the oracle.
# Install them when missing (root on Debian); otherwise fail loudly, never skip.
set -euo pipefail
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || need+=(redis-tools)
command -v redis-benchmark >/dev/null 2>&1 || need+=(redis-tools)
command -v nc >/dev/null 2>&1 || need+=(netcat-openbsd)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${need[*]} (reference Redis for the differential tests)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y "${need[@]}" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "${need[@]}" >/dev/null; }
  # Debian's package starts a redis-server service on 6379; the tests never use it, stop it so
  # `npm start` can take that port.
  (service redis-server stop || systemctl stop redis-server || true) >/dev/null 2>&1
else
  echo "ERROR: the tests need redis-server and redis-cli 7.0.x (missing: ${need[*]})." >&2
  echo "Install them with: sudo apt-get install -y redis-server redis-tools netcat-openbsd" >&2
  exit 1
fi
v=$(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p')
case "$v" in 7.0.*) ;; *) echo "WARNING: reference redis-server is $v, the differential tests expect 7.0.15" >&2 ;; esac
