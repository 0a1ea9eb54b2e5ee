#!/bin/sh
# render-icons.sh — renders the installed app's PNG icons from
# web/icons/app.svg with rsvg-convert (Debian's librsvg2-bin). The PNGs are
# committed (web/icons/icon-192.png, icon-512.png), so building needs no
# renderer; run this again after changing the SVG.
#   apt-get install --no-install-recommends librsvg2-bin && tools/render-icons.sh
set -eu
cd "$(dirname "$0")/.."
for size in 192 512; do
  rsvg-convert --width "$size" --height "$size" --format png \
    --output "web/icons/icon-$size.png" web/icons/app.svg
done
ls -l web/icons/icon-*.png
