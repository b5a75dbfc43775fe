#!/usr/bin/env bash
# The whole test suite as CI runs it: a real Docker engine and test image, a local
# registry, then pytest in strict mode (a missing real part FAILS instead of skipping).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tests/infra/docker-up.sh
bash tests/infra/registry-up.sh
export MESHTUI_STRICT=1
unset NO_COLOR
exec .venv/bin/python -m pytest "$@"
