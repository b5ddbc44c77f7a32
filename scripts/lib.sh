# Shared helpers for scripts/*.sh: package installs and a throwaway Postgres.
# shellcheck shell=bash

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "need root to run: $*" >&2; return 1; fi
}

# Installs each Debian package not already installed (apt-get update once, only if needed).
ensure_packages() {
    local missing=()
    for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Python tools the tests run (kubernetes-validate), in a venv under .build so a fresh clone
# gets them and the system's Python is left alone; exports the paths the tests read.
ensure_test_tools() {
    local venv=.build/test-tools
    if [ ! -x "$venv/bin/kubernetes-validate" ]; then
        ensure_packages python3-venv
        say "installing kubernetes-validate (PyPI) into $venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q --disable-pip-version-check kubernetes-validate
    fi
    export MODELSERVE_TEST_KUBERNETES_VALIDATE="$PWD/$venv/bin/kubernetes-validate"
}

pg_bin_dir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$dir" ] || { echo "no PostgreSQL server binaries under /usr/lib/postgresql" >&2; return 1; }
    echo "$dir"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Runs a command as the postgres user when we are root (initdb refuses root).
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Starts Postgres in a temp dir on a free port with password auth; exports
# MODELSERVE_TEST_POSTGRES_URL, PG_PORT, and MODELSERVE_TEST_PGBIN / MODELSERVE_TEST_PGDATA
# (so tests can stop and restart it); stops it and removes the dir on exit.
start_throwaway_postgres() {
    local bin dir port password=modelserve-test
    bin=$(pg_bin_dir)
    dir=$(mktemp -d /tmp/modelserve-pg.XXXXXX)
    chmod 755 "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    port=$(free_port)
    echo "$password" > "$dir/pwfile"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir/pwfile"
    as_pg "$bin/initdb" -D "$dir/data" -U modelserve --pwfile="$dir/pwfile" --auth-local=trust \
        --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; return 1; }
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o \
        "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null || { cat "$dir/server.log" >&2; return 1; }
    PG_DIR=$dir
    PG_PORT=$port
    export PG_PORT
    export MODELSERVE_TEST_POSTGRES_URL="postgres://modelserve:$password@127.0.0.1:$port/postgres"
    export MODELSERVE_TEST_PGBIN=$bin MODELSERVE_TEST_PGDATA=$dir/data
    # shellcheck disable=SC2064
    trap "as_pg '$bin/pg_ctl' -D '$dir/data' -m immediate stop >/dev/null 2>&1 || true; rm -rf '$dir'" EXIT
    say "throwaway Postgres on 127.0.0.1:$port ($dir)"
}

# Filters swift build's output for people: the "[n/m] Compiling ..." lines become one progress
# line every 25 steps (a release build takes minutes on two cores), and the static linker's
# "the use of `mktemp' is dangerous" warning, which comes from glibc's static archive and not
# from this code, is dropped.
build_progress() {
    awk '
        /^\[[0-9]+\/[0-9]+\]/ {
            split(substr($1, 2, length($1) - 2), p, "/")
            if (p[1] % 25 == 0 || p[1] == p[2]) { printf "  build step %s of %s\n", p[1], p[2]; fflush() }
            next
        }
        /mktemp.*is dangerous/ { next }
        { print; fflush() }
    '
}

# nginx answering POST /predict with a fixed body on a free port: the ceiling the serving
# benchmarks measure against (no model, no log: the cost of HTTP alone). Sets NGINX_PORT
# and NGINX_DIR; stop_nginx_ceiling stops it.
start_nginx_ceiling() {  # body
    NGINX_PORT=$(free_port)
    NGINX_DIR=$(mktemp -d)
    cat > "$NGINX_DIR/nginx.conf" <<NGINX
worker_processes 2;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $NGINX_DIR/body;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location /predict { default_type application/json; return 200 '$1'; }
    }
}
NGINX
    nginx -c "$NGINX_DIR/nginx.conf"
}

stop_nginx_ceiling() {
    nginx -c "$NGINX_DIR/nginx.conf" -s stop 2>/dev/null || true
    rm -rf "$NGINX_DIR"
}
