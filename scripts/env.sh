# Sourced by scripts/build and scripts/test: make sure everything the book needs is installed.
# - a virtual environment in .venv from requirements.txt (+ constraints.txt for the full, pinned set);
# - Debian's chromium (for the PDF and the browser tests), through apt when it is absent.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv"

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "error: Python 3.11 or newer is needed (found: $("$PYTHON" --version 2>&1))" >&2; exit 1
fi

apt_install() {
  local SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
  echo "== installing Debian's python3-venv"
  apt_install python3-venv
fi

stamp="$(cat requirements.txt constraints.txt pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.installed" 2>/dev/null)" != "$stamp" ]; then
  echo "== installing Python packages into .venv (requirements.txt, constraints.txt)"
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
  echo "$stamp" > "$VENV/.installed"
fi

# The PDF prints with exactly these fonts (cwreport/assets/fonts.conf lets Chromium see no others):
# DejaVu for Latin, Cyrillic and symbols, Noto CJK for the Korean and Chinese headlines on the Sources page.
# poppler-utils gives pdftotext/pdffonts to the PDF tests.
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf ] || need+=(fonts-dejavu-extra)
[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || need+=(fonts-noto-cjk)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing Debian's ${need[*]} (the PDF, its fonts and the browser tests)"
  apt_install "${need[@]}"
fi
if ! command -v ip >/dev/null 2>&1 || ! command -v unshare >/dev/null 2>&1; then
  echo "== installing iproute2 and util-linux (the offline-build test cuts the network with unshare)"
  apt_install iproute2 util-linux
fi
export CHROMIUM="${CHROMIUM:-$(command -v chromium)}"
export PATH="$VENV/bin:$PATH"
export PYTHONHASHSEED=0
