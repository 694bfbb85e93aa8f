#!/usr/bin/env bash
# Refresh the vendored NHS.UK frontend CSS/JS/images from the npm package.
# The version must stay paired with nhsuk-frontend-jinja in pyproject.toml
# (jinja 0.10.x <-> nhsuk-frontend 10.6.x). We vendor rather than fetch at
# build time so that `make run` needs only Python and make, and no CDN is used.
set -euo pipefail
version="${1:-10.6.1}"
dest="$(cd "$(dirname "$0")/.." && pwd)/src/ndop/web/static"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "nhsuk-frontend@${version}" >/dev/null && tar xzf "nhsuk-frontend-${version}.tgz")
dist="$work/package/dist/nhsuk"
cp "$dist/nhsuk-frontend.min.css" "$dist/nhsuk-frontend.min.js" "$dest/"
# The Frutiger web font is licensed to NHS England for nhs.uk and may not be served from here, and the
# Content-Security-Policy (font-src 'self') blocks its CDN: drop its @font-face rules so that no page asks
# for it (four blocked requests a page otherwise); text falls back to Arial (ADR 65).
python3 -c 'import re,sys; p=sys.argv[1]; s=open(p).read(); open(p,"w").write(re.sub(r"@font-face\{[^}]*\}", "", s))' \
  "$dest/nhsuk-frontend.min.css"
rm -rf "$dest/images" && cp -r "$dist/assets/images" "$dest/images"
cp "$dist/assets/manifest.json" "$dest/manifest.json"
echo "$version" > "$dest/NHSUK_FRONTEND_VERSION"
echo "vendored nhsuk-frontend $version into $dest"
