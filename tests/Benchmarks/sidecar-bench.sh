#!/usr/bin/env bash
# Builds the silo, mesh-proxy and the benchmark (Release only) and runs it with its defaults:
# direct, nginx, one and two sidecars at 1,000 rps (3 interleaved rounds), then wrk per path.
# Extra arguments go to the tool, e.g. --rounds 5 --sidecar-env DOTNET_gcServer=1 (see README.md).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
command -v nginx >/dev/null || { echo "needs nginx (apt-get install nginx)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 2; }
for project in Silo/Mesh.Silo.csproj Proxy/Mesh.Proxy.Host/Mesh.Proxy.Host.csproj tests/Benchmarks/Mesh.SidecarBench/Mesh.SidecarBench.csproj; do
  dotnet build "$project" -c Release --nologo -v quiet -clp:ErrorsOnly
done
echo "uptime at start: $(uptime)"
exec dotnet tests/Benchmarks/Mesh.SidecarBench/bin/Release/net10.0/Mesh.SidecarBench.dll \
  --silo Silo/bin/Release/net10.0/Mesh.Silo.dll \
  --proxy Proxy/Mesh.Proxy.Host/bin/Release/net10.0/mesh-proxy.dll "$@"
