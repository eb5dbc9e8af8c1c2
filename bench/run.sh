#!/bin/sh
# make bench: start a release cairnd and a fixed-response nginx on loopback, load each with
# wrk (2 threads, 16 keep-alive connections), print one "name: value" line per figure.
# usage: bench/run.sh BUILD_DIR
set -eu
BUILD=${1:-build-release}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${BENCH_SECONDS:-10}
TMP=$(mktemp -d /tmp/cairn-bench-XXXXXX)
CAIRND_PID= NGINX_PID=
cleanup() {
    [ -n "$CAIRND_PID" ] && kill "$CAIRND_PID" 2>/dev/null && wait "$CAIRND_PID" 2>/dev/null
    [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() {  # poll until the URL answers, 20 s at most
    i=0
    until curl -fs -o /dev/null "$1"; do
        i=$((i + 1)); [ $i -lt 400 ] || { echo "bench: $1 never answered" >&2; exit 1; }
        sleep 0.05
    done
}
rps() { awk '/^Requests\/sec:/ { printf "%d", $2 }'; }

# ---- cairnd: signed GetCallerIdentity ----
PORT=$(free_port)
"$ROOT/$BUILD/cairnd" --data "$TMP/data" --listen "127.0.0.1:$PORT" --account-id 123456789012 \
    >"$TMP/cairnd.log" 2>&1 &
CAIRND_PID=$!
wait_http "http://127.0.0.1:$PORT/healthz"
KEY=$(awk -F' = ' '/aws_access_key_id/ { print $2 }' "$TMP/data/credentials")
SECRET=$(awk -F' = ' '/aws_secret_access_key/ { print $2 }' "$TMP/data/credentials")
python3 "$ROOT/bench/sign_request.py" "http://127.0.0.1:$PORT" "$KEY" "$SECRET" sts \
    "Action=GetCallerIdentity&Version=2011-06-15" >"$TMP/gci.lua"
curl -fs -o /dev/null -X POST "http://127.0.0.1:$PORT/" || true
wrk -t2 -c16 -d"${DURATION}s" -s "$TMP/gci.lua" "http://127.0.0.1:$PORT/" >"$TMP/wrk-cairn.txt"
if grep -q 'Non-2xx' "$TMP/wrk-cairn.txt"; then
    echo "bench: cairnd answered errors:" >&2; cat "$TMP/wrk-cairn.txt" >&2; exit 1
fi
CAIRN_RPS=$(rps <"$TMP/wrk-cairn.txt")
kill "$CAIRND_PID"; wait "$CAIRND_PID" 2>/dev/null || true; CAIRND_PID=

# ---- nginx: the same request, a fixed answer ----
NPORT=$(free_port)
mkdir -p "$TMP/nginx/logs"
cat >"$TMP/nginx/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $TMP/nginx;
    proxy_temp_path $TMP/nginx; fastcgi_temp_path $TMP/nginx; uwsgi_temp_path $TMP/nginx; scgi_temp_path $TMP/nginx;
    server {
        listen 127.0.0.1:$NPORT;
        location / { default_type text/xml; return 200 '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:root</Arn><UserId>123456789012</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>00000000-0000-4000-8000-000000000000</RequestId></ResponseMetadata></GetCallerIdentityResponse>'; }
    }
}
CONF
nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" &
NGINX_PID=$!
wait_http "http://127.0.0.1:$NPORT/"
sed "s/127.0.0.1:$PORT/127.0.0.1:$NPORT/" "$TMP/gci.lua" >"$TMP/nginx.lua"
wrk -t2 -c16 -d"${DURATION}s" -s "$TMP/nginx.lua" "http://127.0.0.1:$NPORT/" >"$TMP/wrk-nginx.txt"
NGINX_RPS=$(rps <"$TMP/wrk-nginx.txt")

echo "sts_get_caller_identity_rps: $CAIRN_RPS"
echo "nginx_fixed_response_rps: $NGINX_RPS"
awk -v a="$CAIRN_RPS" -v b="$NGINX_RPS" 'BEGIN { printf "get_caller_identity_to_nginx_ratio: %.2f\n", a / b }'

# ---- the other benchmarks, where built ----
for b in "$ROOT/$BUILD/src/policy/bench_policy" "$ROOT/$BUILD/src/crypto/bench_sigv4"; do
    [ -x "$b" ] && "$b"
done
# ---- the Automation engine: 10,000 concurrent executions ----
python3 "$ROOT/bench/bench_automation.py" "$ROOT/$BUILD/cairnd"
exit 0
