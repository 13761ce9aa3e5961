#!/usr/bin/env bash
# Checks the deploy files without a container engine or a cluster (what deploy/README.md says was validated):
#   1. docker compose config (the v2 plugin, else docker-compose v1) parses and resolves docker-compose.yml;
#   2. kubectl kustomize renders deploy/k8s (every manifest parses and the kustomization lists them);
#   3. the DeployFilesTests in tests/WebApi.Tests check the files against the code (settings, probes, limits).
# A missing tool is reported and skipped, not failed; the tests always run.
set -euo pipefail
cd "$(dirname "$0")/.."

if docker compose version >/dev/null 2>&1; then
  docker compose -f deploy/docker-compose.yml config -q && echo "ok       docker compose config"
elif command -v docker-compose >/dev/null 2>&1; then
  docker-compose -f deploy/docker-compose.yml config -q && echo "ok       docker-compose config"
else
  echo "skipped  compose config (no docker compose / docker-compose; Debian: apt-get install docker-compose)"
fi

if command -v kubectl >/dev/null 2>&1; then
  kubectl kustomize deploy/k8s >/dev/null && echo "ok       kubectl kustomize deploy/k8s"
else
  echo "skipped  kubectl kustomize (no kubectl)"
fi

dotnet test tests/WebApi.Tests --filter "FullyQualifiedName~DeployFilesTests"
