#!/usr/bin/env bash
# Start Debian's docker-registry on 127.0.0.1:${MESHTUI_TEST_REGISTRY_PORT:-5055} (loopback
# only, no auth, data in a temp dir) for the image build + push tests. Idempotent.
set -euo pipefail
port="${MESHTUI_TEST_REGISTRY_PORT:-5055}"
if curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null 2>&1; then
  echo "registry-up: registry already answering on 127.0.0.1:$port"; exit 0
fi
if ! command -v docker-registry >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "registry-up: docker-registry missing and not root; registry tests will skip (fail under MESHTUI_STRICT=1)" >&2
    exit 0
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry >"${TMPDIR:-/tmp}/meshtui-apt-registry.log" 2>&1
fi
dir="${TMPDIR:-/tmp}/meshtui-registry"
mkdir -p "$dir/data"
cat >"$dir/config.yml" <<YAML
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $dir/data}, delete: {enabled: true}}
http: {addr: 127.0.0.1:$port}
YAML
nohup docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
for _ in $(seq 1 50); do
  if curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null 2>&1; then
    echo "registry-up: docker-registry serving on 127.0.0.1:$port"; exit 0
  fi
  sleep 0.2
done
tail -5 "$dir/registry.log" >&2
exit 1
