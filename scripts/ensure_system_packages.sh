#!/usr/bin/env bash
# Makes sure the Debian packages named on the command line are installed:
#
#   scripts/ensure_system_packages.sh chromium fonts-wqy-microhei postgresql
#
# A package that is already there is left alone and nothing is downloaded (no `apt-get update`
# either). Missing ones are installed with apt-get as root, or through sudo when it needs no
# password; otherwise one line says what to install and the script exits with status 1.
set -euo pipefail

# Whether the thing we need from PKG is there. Known packages are checked by the file the
# Makefile's targets use, so a Chromium or PostgreSQL put there by other means counts too.
present() {
  case "$1" in
    chromium)           [ -x /usr/bin/chromium ] ;;
    fonts-wqy-microhei) [ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] ;;
    postgresql)         compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null ;;
    wine64)             [ -x /usr/lib/wine/wine64 ] || command -v wine64 >/dev/null ;;
    *)                  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed" ;;
  esac
}

missing=()
for pkg in "$@"; do
  present "$pkg" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "Missing system packages; install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "Missing system packages (Debian names): ${missing[*]}; install them, then run make again" >&2
  exit 1
fi

echo "Installing ${missing[*]} (apt-get)…"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
for pkg in "${missing[@]}"; do
  if ! present "$pkg"; then
    echo "apt-get installed $pkg, but what the build needs from it is still not there" >&2
    exit 1
  fi
done
