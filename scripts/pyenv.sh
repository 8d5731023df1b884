#!/usr/bin/env bash
# Create (or refresh) the Python 3.11 virtualenv used by bench/ and by the scripts that
# regenerate scikit-learn reference values for tests.
#
#   bash scripts/pyenv.sh            # prints the venv's python path on stdout
#   PY="$(bash scripts/pyenv.sh)"    # typical use
#
# Env: CHURN_VENV   venv location (default: <repo>/.venv)
#      CHURN_PYTHON interpreter used to create the venv (default: python3.11, then python3)
#
# Idempotent: pip runs only when bench/requirements.txt's sha256 differs from the one stored
# in the venv after the last successful install. Progress goes to stderr, the path to stdout.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${CHURN_VENV:-$repo/.venv}"
req="$repo/bench/requirements.txt"
stamp="$venv/.requirements.sha256"
want_version="3.11"

log() { printf '[pyenv] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

[[ -f "$req" ]] || die "missing $req"

# Prints the interpreter's major.minor, or nothing if it cannot run.
py_version() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true; }

pick_python() {
  local cand
  for cand in ${CHURN_PYTHON:-} python3.11 python3; do
    if command -v "$cand" >/dev/null 2>&1 && [[ "$(py_version "$cand")" == "$want_version" ]]; then
      command -v "$cand"
      return 0
    fi
  done
  return 1
}

# Serialise concurrent runs (several engineers/CI jobs may call this at once).
# The lock is taken on the requirements file itself, so no stray lock file is left behind.
if command -v flock >/dev/null 2>&1; then
  exec 9<"$req"
  flock 9
fi
mkdir -p "$(dirname "$venv")"

py="$venv/bin/python"
if [[ -x "$py" && "$(py_version "$py")" != "$want_version" ]]; then
  log "existing venv at $venv is not Python $want_version; recreating"
  rm -rf "$venv"
fi
if [[ ! -x "$py" ]]; then
  base="$(pick_python)" || die "no Python $want_version interpreter found (set CHURN_PYTHON)"
  log "creating venv at $venv with $base"
  rm -rf "$venv"
  "$base" -m venv "$venv"
fi

hash="$(sha256sum "$req" | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]; then
  log "requirements unchanged; nothing to install"
else
  log "installing $req"
  start=$SECONDS
  rm -f "$stamp"
  "$py" -m pip install --no-input --disable-pip-version-check -r "$req" >&2
  printf '%s\n' "$hash" >"$stamp"
  log "installed in $((SECONDS - start))s"
fi

printf '%s\n' "$py"
