#!/usr/bin/env bash
# Make sure a real Docker engine is up and the local test image exists.
# If `docker info` fails and we are root: install Debian's docker.io (and
# busybox-static) and start dockerd without bridge/iptables, so containers have
# no network and nothing leaves loopback. Idempotent; never pulls an image.
set -euo pipefail
log="${TMPDIR:-/tmp}/meshtui-dockerd.log"

engine_up() { docker info >/dev/null 2>&1; }

if ! engine_up; then
  if [ "$(id -u)" != 0 ]; then
    echo "docker-up: no Docker engine and not root; Docker tests will skip (or fail under MESHTUI_STRICT=1)" >&2
    exit 0
  fi
  if ! command -v dockerd >/dev/null 2>&1 || ! command -v busybox >/dev/null 2>&1; then
    echo "docker-up: installing docker.io and busybox-static with apt ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq docker.io busybox-static >"${TMPDIR:-/tmp}/meshtui-apt-docker.log" 2>&1
  fi
  echo "docker-up: starting dockerd (--bridge=none --iptables=false --ip-masq=false)"
  nohup dockerd --bridge=none --iptables=false --ip-masq=false >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 120); do
    engine_up && break
    if ! kill -0 "$pid" 2>/dev/null; then tail -20 "$log" >&2; exit 1; fi
    sleep 0.5
  done
  engine_up || { tail -20 "$log" >&2; exit 1; }
fi

image="meshtui-busybox:local"
# the label names the applet set: an image from an older set is rebuilt
applets="sh sleep cat echo ls dd yes head tail seq httpd wget true mkdir"
if [ "$(docker image inspect -f '{{index .Config.Labels "dev.meshtui.applets"}}' "$image" 2>/dev/null)" != "$applets" ]; then
  if ! command -v busybox >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null 2>&1
    else
      echo "docker-up: busybox is missing; cannot build $image" >&2; exit 0
    fi
  fi
  root="$(mktemp -d)"
  mkdir -p "$root/bin" "$root/tmp" "$root/proc" "$root/sys" "$root/dev" "$root/etc"
  cp "$(command -v busybox)" "$root/bin/busybox"
  for applet in $applets; do ln -s busybox "$root/bin/$applet"; done
  tar -C "$root" -c . | docker import --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/bin' \
    --change "LABEL dev.meshtui.applets=\"$applets\"" - "$image" >/dev/null
  rm -rf "$root"
  echo "docker-up: built $image from the local busybox (no pull)"
fi
echo "docker-up: engine $(docker version --format '{{.Server.Version}}' 2>/dev/null) ready"
