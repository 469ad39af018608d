#!/usr/bin/env bash
# DEV ONLY: runs backend.js + client.js against dev/mock-xds.js for one scenario.
# usage: dev/selftest.sh SCENARIO [client flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=$1; shift
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
start() { # name outfile args...
  local out=$1; shift
  "$@" >"$out" 2>"$out.err" </dev/null &
  for _ in $(seq 100); do grep -q READY "$out" 2>/dev/null && break; sleep 0.1; done
  awk '/READY/{print $2}' "$out"
}
p1=$(start "$tmp/b1" node backend.js --name v1 ${B1_FLAGS:-})
p2=$(start "$tmp/b2" node backend.js --name v2 ${B2_FLAGS:-})
px=$(start "$tmp/x" node dev/mock-xds.js --scenario "$scenario" --backends "v1=$p1,v2=$p2")
cat >"$tmp/bootstrap.json" <<JSON
{"xds_servers":[{"server_uri":"127.0.0.1:$px","channel_creds":[{"type":"insecure"}],"server_features":["xds_v3"]}],"node":{"id":"selftest-$$","locality":{},"metadata":{"GENERATOR":"grpc"}}}
JSON
GRPC_XDS_BOOTSTRAP="$tmp/bootstrap.json" node client.js --target echo.mesh.local:50051 "$@"
echo "--- xds log" >&2; cat "$tmp/x.err" >&2
