#!/usr/bin/env bash
# Installs Debian's PostgreSQL server (the `postgresql` package) for the service's tests, which
# start their own throwaway server from /usr/lib/postgresql/<version>/bin. Does nothing if a
# server is already installed. The cluster the package creates and starts is stopped and kept
# from starting at boot: the tests do not use it.
#
# Usage: bash scripts/install-postgres.sh
set -euo pipefail

if compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
    echo "PostgreSQL is already installed: $(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
    exit 0
fi

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    else
        sudo "$@"
    fi
}

as_root apt-get update
as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends postgresql

# The package may have created and started a cluster (e.g. 15/main): stop it, and mark it
# `manual` so that nothing starts it again.
if command -v pg_lsclusters >/dev/null 2>&1; then
    pg_lsclusters --no-header 2>/dev/null | while read -r version name _; do
        as_root pg_ctlcluster "$version" "$name" stop </dev/null >/dev/null 2>&1 || true
        start_conf="/etc/postgresql/$version/$name/start.conf"
        if [ -f "$start_conf" ]; then
            echo manual | as_root tee "$start_conf" >/dev/null || true
        fi
    done
fi
as_root service postgresql stop >/dev/null 2>&1 || true
if command -v systemctl >/dev/null 2>&1; then
    as_root systemctl disable --now postgresql >/dev/null 2>&1 || true
fi

if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
    echo "install-postgres: the postgresql package did not provide /usr/lib/postgresql/*/bin/initdb" >&2
    exit 1
fi
echo "PostgreSQL installed: $(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
