#!/usr/bin/env bash
# Regenerates the small test images in this folder from the bridge photo (../pdq/images/bridge-mods/aaa-orig.jpg,
# BSD licence, see ../pdq/LICENSE-ThreatExchange). Run from this folder; needs ffmpeg and python3 (for the EXIF block
# only: ffmpeg cannot write one). The outputs are committed; the tests do not run this script.
set -euo pipefail
ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }

ff -i ../pdq/images/bridge-mods/aaa-orig.jpg -vf scale=320:200:flags=lanczos -pix_fmt rgb24 upright.png

# Stored pixels for each EXIF orientation: the inverse of what a viewer does, so that every file displays as upright.png.
stored=( "" "null" "hflip" "hflip,vflip" "vflip" "transpose=cclock_flip" "transpose=cclock" "transpose=clock_flip" "transpose=clock" )
for o in 1 2 3 4 5 6 7 8; do
  ff -i upright.png -vf "${stored[$o]}" -q:v 2 "stored-$o.jpg"
  # Odd orientations in big-endian (Motorola) TIFF, even ones little-endian (Intel): both byte orders are exercised.
  python3 - "$o" "stored-$o.jpg" "orientation-$o.jpg" <<'PY'
import struct, sys
o, src, dst = int(sys.argv[1]), sys.argv[2], sys.argv[3]
e, mark = ('>', b'MM') if o % 2 else ('<', b'II')
tiff = mark + struct.pack(e + 'HI', 42, 8) + struct.pack(e + 'H', 1) + struct.pack(e + 'HHIHH', 0x0112, 3, 1, o, 0) + struct.pack(e + 'I', 0)
app1 = b'Exif\0\0' + tiff
jpeg = open(src, 'rb').read()
open(dst, 'wb').write(jpeg[:2] + b'\xff\xe1' + struct.pack('>H', len(app1) + 2) + app1 + jpeg[2:])
PY
  rm "stored-$o.jpg"
done

ff -i upright.png -pix_fmt gray grey.png
ff -i grey.png -pix_fmt gray16be grey16.png
ff -i upright.png -pix_fmt rgb48be rgb48.png
ff -i upright.png -filter_complex "split[a][b];[a]palettegen=max_colors=64[p];[b][p]paletteuse=dither=none" palette.png
# Left half fully transparent over the photo's own colours, right half opaque; and what it should look like on white.
# (alphamerge keeps the colour bytes exactly; geq on RGB would round some of them.)
alpha() { ff -i upright.png -f lavfi -i "color=black:s=320x200,format=gray,geq=lum='$1'" -filter_complex "[0:v]format=rgba[c];[c][1:v]alphamerge" -frames:v 1 "$2"; }
alpha "if(lt(X,160),0,255)" alpha.png
ff -i upright.png -vf "drawbox=x=0:y=0:w=160:h=200:color=white:t=fill" -pix_fmt rgb24 alpha-on-white.png
# Half transparent everywhere.
alpha 128 half-alpha.png
