#!/usr/bin/env bash
# DEV ONLY: runs backend.js + client.js against dev/mock-xds.js for one scenario
# (weighted | abort | retry | hash | badregex | bigring; see mock-xds.js).
# usage: dev/selftest.sh SCENARIO [client flags...]   (B1_FLAGS / B2_FLAGS: extra backend flags)
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=$1; shift
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
# start OUTFILE CMD...: runs CMD in the background (in this shell, so cleanup can kill it)
start() {
  local out=$1; shift
  "$@" >"$out" 2>"$out.err" </dev/null &
  pids+=($!)
  for _ in $(seq 100); do grep -q READY "$out" 2>/dev/null && return; sleep 0.1; done
  echo "no READY from: $*" >&2; cat "$out.err" >&2; exit 1
}
port() { awk '/READY/{print $2}' "$1"; }
# shellcheck disable=SC2086
start "$tmp/b1" node backend.js --name v1 ${B1_FLAGS:-}
# shellcheck disable=SC2086
start "$tmp/b2" node backend.js --name v2 ${B2_FLAGS:-}
start "$tmp/x" node dev/mock-xds.js --scenario "$scenario" --backends "v1=$(port "$tmp/b1"),v2=$(port "$tmp/b2")"
cat >"$tmp/bootstrap.json" <<JSON
{"xds_servers":[{"server_uri":"127.0.0.1:$(port "$tmp/x")","channel_creds":[{"type":"insecure"}],"server_features":["xds_v3"]}],"node":{"id":"selftest-$$","locality":{},"metadata":{"GENERATOR":"grpc"}}}
JSON
GRPC_XDS_BOOTSTRAP="$tmp/bootstrap.json" node client.js --target echo.mesh.local:50051 "$@" || true
echo "--- xds log" >&2; cat "$tmp/x.err" >&2
