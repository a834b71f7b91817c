"""Build dist/eddy_<version>_<arch>.deb from a one-folder build (`make package`).

The package installs the one-folder build under /opt/eddy, /usr/bin/eddy (a symlink), a desktop
entry and the icon; removing it removes all of them (dpkg owns every file; Eddy's per-user data in
~/.local/share/Eddy is the user's and stays). The Linux package is the GTK variant (default):
dist/Eddy-gtk-onedir, depending on the system's WebKitGTK (a ~12 MB .deb); `--variant qt` packages
dist/Eddy-onedir with its bundled Qt WebEngine instead (dist/eddy-qt_*.deb, ~150 MB).
"""

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import __version__  # noqa: E402

# What the bundled Qt WebEngine needs from the system (the window_pkgs of install-system-deps.sh
# that a desktop may lack), and what the GTK build runs on.
DEPENDS = {
    "qt": "libc6, libnss3, libxkbcommon-x11-0, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-image0, "
    "libxcb-render-util0, libxcb-xinerama0, libxcb-xkb1, libxcb-shape0, libegl1, libgl1, libxcomposite1, "
    "libxdamage1, libxrandr2, libxtst6, libxkbfile1, libasound2 | libasound2t64, libfontconfig1",
    "gtk": "libc6, libgtk-3-0 | libgtk-3-0t64, libwebkit2gtk-4.1-0, gir1.2-webkit2-4.1, gir1.2-gtk-3.0",
}
SOURCES = {"qt": ROOT / "dist" / "Eddy-onedir", "gtk": ROOT / "dist" / "Eddy-gtk-onedir"}
MAINTAINER = "Eddy developers <eddy@localhost>"

# Refresh the menus' caches when the tools are there (they are not on a minimal system).
POSTINST = """#!/bin/sh
set -e
if [ "$1" = "configure" ]; then
  command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q /usr/share/applications || true
  command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t /usr/share/icons/hicolor || true
fi
exit 0
"""
# Qt WebEngine started as root makes a folder beside its resources (resources/locales): not dpkg's
# file, so removal would leave /opt/eddy behind; nothing else lives there.
POSTRM = """#!/bin/sh
set -e
if [ "$1" = "remove" ] || [ "$1" = "purge" ]; then
  rm -rf /opt/eddy
  command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q /usr/share/applications || true
  command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t /usr/share/icons/hicolor || true
fi
exit 0
"""


def architecture() -> str:
    return subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True, check=True).stdout.strip()


def folder_size_kib(path: Path) -> int:
    return sum(f.lstat().st_size for f in path.rglob("*")) // 1024 + 1


def stage(source: Path, staging: Path, variant: str) -> None:
    if not (source / "Eddy").is_file():
        raise SystemExit(f"No one-folder build at {source}: run 'make build-onedir' (or build-gtk) first.")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(source, staging / "opt" / "eddy", symlinks=True)
    (staging / "usr" / "bin").mkdir(parents=True)
    os.symlink("/opt/eddy/Eddy", staging / "usr" / "bin" / "eddy")
    desktop = (ROOT / "build" / "eddy.desktop").read_text().replace("Exec=Eddy", "Exec=/opt/eddy/Eddy")
    applications = staging / "usr" / "share" / "applications"
    applications.mkdir(parents=True)
    (applications / "eddy.desktop").write_text(desktop)
    icons = staging / "usr" / "share" / "icons" / "hicolor" / "512x512" / "apps"
    icons.mkdir(parents=True)
    shutil.copyfile(ROOT / "build" / "eddy.png", icons / "eddy.png")
    debian = staging / "DEBIAN"
    debian.mkdir()
    control = {
        "Package": "eddy",
        "Version": __version__,
        "Architecture": architecture(),
        "Maintainer": MAINTAINER,
        "Installed-Size": str(folder_size_kib(staging)),
        "Depends": DEPENDS[variant],
        "Suggests": "mariadb-server",
        "Section": "database",
        "Priority": "optional",
        "Description": "fast MySQL/MariaDB workbench\n Browse, query, import and export MySQL and MariaDB databases"
        " in a desktop window.\n Built with the "
        + ("system's WebKitGTK." if variant == "gtk" else "bundled Qt WebEngine."),
    }
    (debian / "control").write_text("".join(f"{k}: {v}\n" for k, v in control.items()))
    for name, text in (("postinst", POSTINST), ("postrm", POSTRM)):
        (debian / name).write_text(text)
        (debian / name).chmod(0o755)
    for path in [staging, *staging.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)


def build(variant: str, source: Path | None = None, out: Path | None = None, fast: bool = False) -> Path:
    """Stage and pack; returns the .deb's path. `fast`: light compression (the smoke test's)."""
    source = source or SOURCES[variant]
    out = out or ROOT / "dist"
    staging = ROOT / "build" / "out" / f"deb-{variant}"
    stage(source, staging, variant)
    suffix = "-qt" if variant == "qt" else ""
    deb = out / f"eddy{suffix}_{__version__}_{architecture()}.deb"
    # gzip: every dpkg reads it, and it packs ~400 MB in seconds where xz takes minutes.
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zgzip", "-z1" if fast else "-z6", "--build", str(staging), str(deb)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    shutil.rmtree(staging, ignore_errors=True)
    return deb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", choices=sorted(SOURCES), default="gtk")
    parser.add_argument("--source", type=Path, help="the one-folder build (default: dist/Eddy[-gtk]-onedir)")
    parser.add_argument("--out", type=Path, help="where the .deb goes (default: dist/)")
    parser.add_argument("--fast", action="store_true", help="light compression: quicker, ~10%% bigger")
    args = parser.parse_args()
    deb = build(args.variant, args.source, args.out, args.fast)
    print(f"{deb} ({deb.stat().st_size / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()
