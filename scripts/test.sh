#!/usr/bin/env bash
# Test entry point (`npm test` runs it after the build): starts PostgreSQL, Redis and Kafka through
# scripts/services.sh, exports their URLs and runs Vitest (all projects unless arguments narrow it,
# e.g. `bash scripts/test.sh --project integration`). Exits with Vitest's exit code.
#
# Services that were already running are left running; those started here are torn down at the end
# (`services.sh down`: stopped and their data wiped, the fetched Kafka jars kept).
# CHURN_SERVICES_KEEP=1 leaves everything running.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SERVICES=(postgres redis kafka)
started=()

# shellcheck disable=SC2317  # invoked through trap
cleanup() {
  local rc=$?
  if ((${#started[@]} > 0)) && [[ "${CHURN_SERVICES_KEEP:-}" != 1 ]]; then
    echo "[test] stopping services started for this run: ${started[*]}" >&2
    bash scripts/services.sh down "${started[@]}" || echo "[test] warning: services.sh down failed" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for s in "${SERVICES[@]}"; do
  if ! bash scripts/services.sh status "$s" >/dev/null 2>&1; then
    started+=("$s")
  fi
done

# The Python virtualenv (scikit-learn, XGBoost) that parity tests compare against.
bash scripts/pyenv.sh >/dev/null

env_lines=$(bash scripts/services.sh up)
eval "$env_lines"
export DATABASE_URL REDIS_URL KAFKA_BROKERS

set +e
npx vitest run "$@"
rc=$?
set -e
exit "$rc"
