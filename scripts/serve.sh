#!/usr/bin/env bash
# Several identical app servers of the monitor behind HAProxy, on this machine.
#
#   MSD_STORE_URL=postgresql://monitor@db/monitor scripts/serve.sh --servers 2 [--port 8501]
#       [--address 127.0.0.1] [--run-dir DIR]
#
# HAProxy listens on ADDRESS:PORT; app server i (`streamlit run app.py`) on 127.0.0.1:PORT+i. Every app
# server gets the same settings (MSD_WAREHOUSE, MSD_STORE_URL, ...) and MSD_NO_DEMO=1; when the warehouse
# has no release yet, the demo is built once first. Several servers need one PostgreSQL store. The run
# directory (default: a new temporary one, removed at the end) holds haproxy.cfg, appI.pid and the logs.
# Ctrl-C stops everything. See docs/operations.md, "Several app servers".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

servers=2 port=8501 address=127.0.0.1 run_dir=""
while [ $# -gt 0 ]; do
    case "$1" in
        --servers) servers="$2"; shift 2 ;;
        --port) port="$2"; shift 2 ;;
        --address) address="$2"; shift 2 ;;
        --run-dir) run_dir="$2"; shift 2 ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "Unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
if ! [[ "$servers" =~ ^[1-9][0-9]?$ && "$port" =~ ^[0-9]+$ ]] || [ $((port + servers)) -gt 65535 ]; then
    echo "--servers must be 1 to 99 and --port a port number with room for the servers after it" >&2
    exit 2
fi
case "${MSD_STORE_URL:-}" in
    postgresql://*|postgres://*) ;;
    *) if [ "$servers" -gt 1 ]; then
           echo "Several servers need one PostgreSQL store: set MSD_STORE_URL=postgresql://... (SQLite is for one server)" >&2
           exit 2
       fi ;;
esac

[ -x .venv/bin/python ] || source scripts/setup.sh requirements.txt
PY=.venv/bin/python
haproxy="$(command -v haproxy || echo /usr/sbin/haproxy)"
if [ ! -x "$haproxy" ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing Debian's haproxy"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy >/dev/null
        haproxy=/usr/sbin/haproxy
    else
        echo "HAProxy is not installed: apt-get install haproxy (Debian), then run this again" >&2
        exit 1
    fi
fi

# One secret for all servers: Streamlit's cookie secret signs the st.login cookie and the XSRF token of
# uploads, so a server must accept what another one issued. (The monitor's own session secret is a file
# beside the store, shared by every server on this machine; see store/session_token.py.)
if ! "$PY" -c 'import sys; from streamlit import config; sys.exit(0 if config.is_manually_set("server.cookieSecret") else 1)'; then
    STREAMLIT_SERVER_COOKIE_SECRET="$("$PY" -c 'import secrets; print(secrets.token_hex(32))')"
    export STREAMLIT_SERVER_COOKIE_SECRET
fi
# All requests arrive from HAProxy: the sign-in rate limit must count the address HAProxy forwards.
export MSD_TRUSTED_PROXY_HEADER="${MSD_TRUSTED_PROXY_HEADER:-X-Forwarded-For}"
export MSD_NO_DEMO=1 STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

warehouse="$("$PY" -c 'import settings; print(settings.load().warehouse)')"
if [ ! -e "$warehouse/current" ]; then
    echo "No data in $warehouse yet: building the demo municipality once"
    MSD_WAREHOUSE="$warehouse" "$PY" -m etl demo >/dev/null
fi

own_run_dir=""
if [ -z "$run_dir" ]; then
    run_dir="$(mktemp -d -t msd-serve.XXXXXX)"
    own_run_dir=1
fi
mkdir -p "$run_dir"
pids=()
cleanup() {
    trap - EXIT INT TERM
    [ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true
    wait || true
    [ -z "$own_run_dir" ] || rm -rf "$run_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

checks=() lines=""
for i in $(seq 1 "$servers"); do
    p=$((port + i))
    "$PY" -m streamlit run app.py --server.address 127.0.0.1 --server.port "$p" --server.headless true \
        --server.fileWatcherType none --server.runOnSave false >"$run_dir/app$i.log" 2>&1 &
    pids+=($!)
    echo $! >"$run_dir/app$i.pid"
    checks+=($! "http://127.0.0.1:$p/_stcore/health")
    lines+="    server app$i 127.0.0.1:$p cookie app$i"$'\n'
done

cookie_flags=httponly
[ "${MSD_HTTPS:-}" != 1 ] || cookie_flags="httponly secure"
cfg="$(<scripts/haproxy.cfg.in)"
cfg="${cfg//@ADDRESS@/$address}"
cfg="${cfg//@PORT@/$port}"
cfg="${cfg//@COOKIE_FLAGS@/$cookie_flags}"
printf '%s\n' "${cfg//@SERVERS@/${lines%$'\n'}}" >"$run_dir/haproxy.cfg"
"$haproxy" -c -q -f "$run_dir/haproxy.cfg"

wait_healthy() {  # PID URL ...: each URL answers 200 within 120 s, and its process keeps running
    "$PY" - "$@" <<'EOF'
import sys, time, urllib.request
from pathlib import Path
pending, deadline = dict(zip(sys.argv[2::2], sys.argv[1::2])), time.monotonic() + 120
while pending and time.monotonic() < deadline:
    for url, pid in list(pending.items()):
        stat = Path(f"/proc/{pid}/stat")
        if not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] == "Z":
            sys.exit(f"stopped before it answered: {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    del pending[url]
        except OSError:
            pass
    time.sleep(0.25)
sys.exit(f"no answer from {', '.join(pending)}" if pending else 0)
EOF
}
if ! wait_healthy "${checks[@]}"; then
    echo "An app server did not start; the logs are in $run_dir" >&2
    own_run_dir=""
    exit 1
fi
"$haproxy" -f "$run_dir/haproxy.cfg" -db >"$run_dir/haproxy.log" 2>&1 &
pids+=($!)
echo $! >"$run_dir/haproxy.pid"
if ! wait_healthy $! "http://127.0.0.1:$port/_stcore/health"; then
    echo "HAProxy did not start; see $run_dir/haproxy.log" >&2
    own_run_dir=""
    exit 1
fi
echo "The monitor is ready at http://$address:$port/ ($servers app servers; run directory $run_dir)"
wait "${pids[-1]}"
