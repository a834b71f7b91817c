#!/usr/bin/env bash
# Installs the built one-file Eddy for the current user: ~/.local/bin/Eddy, its icon and a
# .desktop entry so it shows in the application menu. Usage: build/install-linux.sh [binary]
# (default: dist/Eddy-gtk from `make build`, else the Qt dist/Eddy from `make build-qt`)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
default="$here/../dist/Eddy-gtk"
[ -x "$default" ] || default="$here/../dist/Eddy"
binary="${1:-$default}"
[ -x "$binary" ] || { echo "No executable at $binary: run 'make build' first." >&2; exit 1; }
install -Dm755 "$binary" "$HOME/.local/bin/Eddy"
install -Dm644 "$here/eddy.png" "$HOME/.local/share/icons/hicolor/512x512/apps/eddy.png"
mkdir -p "$HOME/.local/share/applications"  # a fresh home has no menu folder yet
sed "s|^Exec=Eddy|Exec=$HOME/.local/bin/Eddy|" "$here/eddy.desktop" > "$HOME/.local/share/applications/eddy.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database "$HOME/.local/share/applications" || true
echo "Installed: $HOME/.local/bin/Eddy (and Eddy in your application menu)"
