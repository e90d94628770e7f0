# Shared set-up for ./run-demo and ./run-tests (sourced, not run): checks the machine, installs the Debian
# packages the lane needs when they are missing, and keeps the virtual environment in .venv up to date.
# Works on Debian 12+ and Raspberry Pi OS (Bookworm); says exactly what is missing when it cannot fix it itself.

set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="${KIOSK_PYTHON:-python3}"

say() { printf '\033[1m%s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Debian packages: "package:kind:check" where check is a command, a file, or a Python module (py:name) that proves the
# package (or an equivalent) is present. The list grows with the devices and tests that need it.
DEBIAN_PACKAGES=(
  "python3:cmd:$PY"
  "python3-venv:py:ensurepip"
  "fonts-dejavu-core:file:/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
  "libzbar0:lib:libzbar.so.0"          # pyzbar, one of the two camera barcode decoders
  "libusb-1.0-0:lib:libusb-1.0.so.0"   # pyusb, for USB receipt printers
  "espeak-ng:cmd:espeak-ng"            # speech output (read aloud) for shoppers who switch it on
)
# Debian packages of the development and test set (`setup dev`: ./run-tests and ./run-demo), same format; a lane
# does not need them.
DEV_DEBIAN_PACKAGES=(
  "xvfb:cmd:Xvfb"                      # an X server without a screen: the shopper's journey in a real X11 window
  "mosquitto:file:/usr/sbin/mosquitto" # the store's MQTT broker, started by the assist tests on a free port
  "chromium:cmd:chromium"              # the attendant console in a real headless browser (Playwright drives it)
  "dosfstools:file:/usr/sbin/mkfs.vfat" # the SD image's layout test makes a tiny card: FAT boot partition,
  "mtools:cmd:mcopy"                   #   filled without mounting,
  "fdisk:file:/usr/sbin/sfdisk"        #   and its partition table
)

missing_packages() {   # args: the entries to check
  local entry pkg kind what
  for entry in "$@"; do
    IFS=: read -r pkg kind what <<<"$entry"
    case "$kind" in
      cmd)  command -v "$what" >/dev/null 2>&1 || echo "$pkg" ;;
      file) [ -e "$what" ] || echo "$pkg" ;;
      py)   command -v "$PY" >/dev/null 2>&1 && "$PY" -c "import $what" >/dev/null 2>&1 || echo "$pkg" ;;
      lib)  { /sbin/ldconfig -p 2>/dev/null || ldconfig -p 2>/dev/null; } | grep -q "$what" || echo "$pkg" ;;
    esac
  done
}

install_packages() {   # arg: the Python extras being set up; "dev" adds DEV_DEBIAN_PACKAGES
  local missing wanted=("${DEBIAN_PACKAGES[@]}")
  [[ ",${1:-}," == *,dev,* ]] && wanted+=("${DEV_DEBIAN_PACKAGES[@]}")
  missing=$(missing_packages "${wanted[@]}" | sort -u | tr '\n' ' ')
  [ -z "${missing// }" ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "missing: $missing; this is not a Debian system, install them by hand"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n";
    elif command -v sudo >/dev/null 2>&1 && [ -t 0 ]; then sudo="sudo";
    else die "missing Debian packages: $missing. Run: sudo apt-get install -y $missing"; fi
  fi
  say "Installing Debian packages: $missing"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq || die "apt-get update failed; install by hand: $missing"
  # shellcheck disable=SC2086
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing \
    || die "could not install: $missing"
  missing=$(missing_packages "${wanted[@]}" | sort -u | tr '\n' ' ')
  [ -z "${missing// }" ] || die "still missing after installing: $missing"
}

check_python() {
  "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
    || die "$("$PY" --version 2>&1) is too old: the lane needs Python 3.11 or newer (Debian 12 / Raspberry Pi OS Bookworm)"
}

ensure_venv() {
  local extras="$1" stamp want
  want="$(cat "$ROOT/pyproject.toml" | sha256sum | cut -c1-16)-$extras"
  stamp="$VENV/.kiosk-installed"
  if [ ! -x "$VENV/bin/python" ]; then
    say "Creating the virtual environment in .venv"
    "$PY" -m venv "$VENV" || die "could not create $VENV (is python3-venv installed?)"
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "Installing the lane and its Python dependencies into .venv"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
    "$VENV/bin/python" -m pip install --quiet -e "$ROOT[$extras]" \
      || die "pip could not install the dependencies (network? see the messages above)"
    echo "$want" > "$stamp"
  fi
}

setup() {
  install_packages "${1:-dev}"
  check_python
  ensure_venv "${1:-dev}"
}
