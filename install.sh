#!/usr/bin/env bash
# meshtui installer: a virtualenv with meshtui in it, then a check of the cluster tools.
#
#   ./install.sh              install meshtui into .venv (no sudo)
#   ./install.sh --dev        ... with the test and lint dependencies
#   ./install.sh --tools      also fetch pinned kind / kubectl / istioctl into .venv/bin
#   ./install.sh --tools-only only the tool part (no Python work)
#
# Idempotent: a second run with nothing changed does nothing and says so.
# Downloads are verified against the sha256 pinned in assets/tools.lock; a mismatch
# deletes the file and fails. Offline, it says so in one line and still succeeds.
# Environment: MESHTUI_VENV (venv path), PYTHON (interpreter), MESHTUI_DOWNLOAD_BASE
# (serve artifacts from elsewhere, e.g. a mirror), MESHTUI_TOOLS_LOCK (another lock file).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${MESHTUI_VENV:-$ROOT/.venv}"
LOCK="${MESHTUI_TOOLS_LOCK:-$ROOT/assets/tools.lock}"
DEV=0
TOOLS=0
PYTHON_PART=1

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }

for arg in "$@"; do
  case "$arg" in
    --dev) DEV=1 ;;
    --tools) TOOLS=1 ;;
    --tools-only) TOOLS=1; PYTHON_PART=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

say() { printf '%s\n' "$*"; }

find_python() {
  local candidates=()
  [ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
  candidates+=(python3 python3.13 python3.12 python3.11 python3.10 python)
  for py in "${candidates[@]}"; do
    if command -v "$py" >/dev/null 2>&1 &&
       "$py" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 10) else 1)' >/dev/null 2>&1; then
      command -v "$py"; return 0
    fi
  done
  return 1
}

install_python() {
  local py stamp want
  if ! py="$(find_python)"; then
    say "error: meshtui needs Python >= 3.10 with the venv module (Debian/Ubuntu: sudo apt install python3-venv)" >&2
    exit 1
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating virtualenv $VENV with $("$py" --version 2>&1)"
    "$py" -m venv "$VENV"
  fi
  want="$( (cat "$ROOT/pyproject.toml"; echo "dev=$DEV") | sha256sum | cut -d' ' -f1)"
  stamp="$VENV/.meshtui-install"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && "$VENV/bin/python" -c 'import meshtui' 2>/dev/null; then
    say "meshtui is already installed in $VENV (nothing changed)"
    return 0
  fi
  local target="$ROOT"
  [ "$DEV" = 1 ] && target="$ROOT[dev]"
  say "installing meshtui$([ "$DEV" = 1 ] && echo ' with dev dependencies') into $VENV ..."
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
  if ! "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$target"; then
    say "error: pip could not install meshtui (see the messages above)" >&2
    exit 1
  fi
  # meshtui is installed editable, so pip compiled none of its modules: do it now, so that
  # every start reads bytecode even where PYTHONDONTWRITEBYTECODE forbids caching it later
  "$VENV/bin/python" -m compileall -q "$ROOT/meshtui" >/dev/null 2>&1 || true
  echo "$want" > "$stamp"
  say "installed: $("$VENV/bin/meshtui" --version)"
}

platform() {
  local os arch
  os="$(uname -s | tr '[:upper:]' '[:lower:]')"
  arch="$(uname -m)"
  case "$arch" in x86_64|amd64) arch=amd64 ;; aarch64|arm64) arch=arm64 ;; esac
  echo "$os $arch"
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

# fetch TOOL VERSION URL SHA FORMAT -> 0 installed, 1 refused, 3 offline
fetch_tool() {
  local tool="$1" version="$2" url="$3" sha="$4" format="$5" tmp got rc=0
  if [ -n "${MESHTUI_DOWNLOAD_BASE:-}" ]; then url="${MESHTUI_DOWNLOAD_BASE%/}/${url##*/}"; fi
  tmp="$(mktemp "${TMPDIR:-/tmp}/meshtui-$tool.XXXXXX")"
  curl -fsSL --connect-timeout 5 --max-time 300 --retry 1 -o "$tmp" "$url" 2>/dev/null || rc=$?
  if [ "$rc" != 0 ]; then
    rm -f "$tmp"
    case "$rc" in
      5|6|7|28) say "$tool: offline or $url unreachable; not downloaded (install it from ${3%/*}/)"; return 3 ;;
      *) say "$tool: download of $url failed (curl exit $rc); not installed"; return 1 ;;
    esac
  fi
  got="$(sha256_of "$tmp")"
  if [ "$got" != "$sha" ]; then
    rm -f "$tmp"
    say "$tool: REFUSED: sha256 of $url is $got, expected $sha; the download was deleted"
    return 1
  fi
  mkdir -p "$VENV/bin"
  case "$format" in
    binary) install -m 0755 "$tmp" "$VENV/bin/$tool" ;;
    tar.gz:*)
      local dir member="${format#tar.gz:}"
      dir="$(mktemp -d)"
      if ! tar -xzf "$tmp" -C "$dir" "$member" 2>/dev/null; then
        rm -rf "$dir" "$tmp"; say "$tool: archive does not contain $member; not installed"; return 1
      fi
      install -m 0755 "$dir/$member" "$VENV/bin/$tool"; rm -rf "$dir" ;;
  esac
  rm -f "$tmp"
  say "$tool $version: downloaded, sha256 verified, installed to $VENV/bin/$tool"
}

check_tools() {
  local os arch status=0 tool found
  read -r os arch <<<"$(platform)"
  for tool in kubectl kind minikube istioctl helm; do
    found=""
    if [ -x "$VENV/bin/$tool" ]; then found="$VENV/bin/$tool"
    elif command -v "$tool" >/dev/null 2>&1; then found="$(command -v "$tool")"; fi
    if [ -n "$found" ]; then
      say "$tool: found at $found"
      continue
    fi
    local line
    line="$(awk -v t="$tool" -v o="$os" -v a="$arch" '$1==t && $3==o && $4==a {print; exit}' "$LOCK" 2>/dev/null || true)"
    if [ "$TOOLS" = 1 ] && [ -n "$line" ]; then
      local _t version _o _a url sha format rc=0
      read -r _t version _o _a url sha format <<<"$line"
      fetch_tool "$tool" "$version" "$url" "$sha" "$format" || rc=$?
      [ "$rc" = 1 ] && status=1
    elif [ "$TOOLS" = 1 ] && [ "$tool" != minikube ] && [ "$tool" != helm ]; then
      say "$tool: missing; no pinned download for $os/$arch (see its install page)"
    elif [ -n "$line" ]; then
      say "$tool: missing (./install.sh --tools fetches a pinned, checksummed copy)"
    else
      say "$tool: missing (optional unless your profile uses it)"
    fi
  done
  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    say "docker: engine reachable"
  elif command -v docker >/dev/null 2>&1; then
    say "docker: client found but the engine is not running (needed for kind/minikube, not for the demo)"
  else
    say "docker: missing (needed for kind/minikube, not for the demo)"
  fi
  return "$status"
}

if [ "$PYTHON_PART" = 1 ]; then install_python; fi
rc=0
check_tools || rc=$?
if [ "$PYTHON_PART" = 1 ]; then
  rel="${VENV#"$PWD"/}"
  say ""
  say "next: $rel/bin/meshtui demo      (the simulated mesh, nothing else needed)"
  say "      $rel/bin/meshtui doctor    (what your machine needs for a real kind cluster)"
fi
exit "$rc"
