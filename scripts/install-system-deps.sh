#!/usr/bin/env bash
# Installs the Debian packages Eddy needs that this machine lacks. Usage:
#   install-system-deps.sh run    # libraries the Qt WebEngine window needs
#   install-system-deps.sh demo   # + a MariaDB server binary for the local sandbox (make demo)
#   install-system-deps.sh test   # + MariaDB server, Chromium, Xvfb, ImageMagick, fonts, OpenSSH server (tunnel tests)
#   install-system-deps.sh gtk    # the Linux package (GTK build): system WebKitGTK + what compiling PyGObject needs
# Does nothing when everything is present; needs root (or password-less sudo) otherwise.
set -euo pipefail
profile="${1:-test}"

window_pkgs=(libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
  libxcb-xinerama0 libxcb-xkb1 libxcb-shape0 libxkbcommon-x11-0 libxkbcommon0 libegl1 libgl1 libnss3
  libxcomposite1 libxdamage1 libxrandr2 libxtst6 libxi6 libasound2 libxkbfile1 libdbus-1-3
  libfontconfig1 fonts-noto-cjk fonts-noto-color-emoji)
test_pkgs=(mariadb-server mariadb-client chromium xvfb xauth imagemagick openssh-server)
gtk_pkgs=(gir1.2-webkit2-4.1 libgirepository1.0-dev libcairo2-dev pkg-config python3-dev gcc libc6-dev)

case "$profile" in
  run) wanted=("${window_pkgs[@]}") ;;
  demo) wanted=("${window_pkgs[@]}" mariadb-server) ;;
  test) wanted=("${window_pkgs[@]}" "${test_pkgs[@]}") ;;
  gtk) wanted=("${gtk_pkgs[@]}") ;;
  *) echo "usage: $0 run|demo|test|gtk" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "Not a Debian-like system: install MariaDB server, Chromium, Xvfb and ImageMagick yourself." >&2
  exit 0
fi

missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then sudo=""
elif sudo -n true 2>/dev/null; then sudo="sudo -n"
else
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
