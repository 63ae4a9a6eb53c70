#!/usr/bin/env bash
# Refresh the vendored @comfyorg/litegraph build from the npm registry.
# Usage: web/vendor/update_litegraph.sh [VERSION]   (default: the pinned version below)
# Needs: npm, tar. Copies the prebuilt ES module, its CSS and the MIT license.
set -euo pipefail
PINNED="0.17.2"
VERSION="${1:-$PINNED}"
HERE="$(cd "$(dirname "$0")" && pwd)"
DEST="$HERE/litegraph"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
echo "latest on npm: $(npm view @comfyorg/litegraph version)"
(cd "$WORK" && npm pack --silent "@comfyorg/litegraph@$VERSION" >/dev/null 2>&1 && tar xzf comfyorg-litegraph-*.tgz)
PKG="$WORK/package"
LICENSE_NAME="$(node -e "console.log(require('$PKG/package.json').license)")"
if [ "$LICENSE_NAME" != "MIT" ]; then echo "refusing: license is $LICENSE_NAME" >&2; exit 1; fi
mkdir -p "$DEST"
cp "$PKG/dist/litegraph.es.js" "$DEST/litegraph.es.js"
cp "$PKG/dist/css/litegraph.css" "$DEST/litegraph.css"
cp "$PKG/LICENSE" "$DEST/LICENSE"
# the source map is not shipped (too large); drop its reference so browsers do not ask for it
sed -i '/^\/\/# sourceMappingURL=/d' "$DEST/litegraph.es.js"
echo "$VERSION" > "$DEST/VERSION"
ls -l "$DEST"
