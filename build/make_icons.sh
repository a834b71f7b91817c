#!/usr/bin/env bash
# Regenerates the committed app icons (run once by hand; the build uses the committed files).
# Needs ImageMagick. ICNS is written by a few lines of Python: PNG payloads in ic07/ic08/ic09 entries.
set -euo pipefail
cd "$(dirname "$0")"
convert -size 512x512 xc:none -fill '#1f6feb' -draw 'roundrectangle 16,16 496,496 96,96' \
  -fill white -font DejaVu-Sans-Bold -pointsize 340 -gravity center -annotate +0+10 'E' \
  -fill '#7ee0ff' -draw 'ellipse 390,400 60,24 0,360' eddy.png
convert eddy.png -define icon:auto-resize=256,128,64,48,32,16 eddy.ico
tmp=$(mktemp -d)
convert eddy.png -resize 128x128 "$tmp/128.png"
convert eddy.png -resize 256x256 "$tmp/256.png"
cp eddy.png "$tmp/512.png"
python3 - "$tmp" <<'PY'
import struct, sys
from pathlib import Path
tmp = Path(sys.argv[1])
entries = b"".join(
    kind + struct.pack(">I", 8 + len(data)) + data
    for kind, data in ((b"ic07", (tmp / "128.png").read_bytes()), (b"ic08", (tmp / "256.png").read_bytes()),
                       (b"ic09", (tmp / "512.png").read_bytes()))
)
Path("eddy.icns").write_bytes(b"icns" + struct.pack(">I", 8 + len(entries)) + entries)
PY
rm -rf "$tmp"
