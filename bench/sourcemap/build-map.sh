#!/usr/bin/env bash
# Builds a large minified bundle with a source map (about 44 MB with
# sourcesContent, about 2.1 M segments) and a 20-frame stack trace that points
# into it, for the one-shot unminify benchmark.
#
# Usage: bench/sourcemap/build-map.sh [outdir]     (default: bench/out)
#
# Needs node and npm with access to the npm registry. The packages are installed
# with npm ci from deps/package-lock.json into a temporary directory.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
out=${1:-$here/../out}
mkdir -p "$out"
out=$(cd "$out" && pwd -P)
trace_url=${TRACE_URL:-file:///bench/out/bundle.min.js}
min_bytes=$((40 * 1000 * 1000))
max_bytes=$((48 * 1000 * 1000))

work=$(mktemp -d)
work=$(cd "$work" && pwd -P)
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
t0=$(now)

echo "== npm ci into $work"
cp "$here/deps/package.json" "$here/deps/package-lock.json" "$here/entry.js" "$work/"
t=$(now)
(cd "$work" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
echo "   $(elapsed "$t")"

# Build inside the temporary directory so that the map's sources are relative
# paths such as ../node_modules/typescript/lib/typescript.js, without the
# machine's temporary path.
echo "== esbuild $(node -p "require('$work/node_modules/esbuild/package.json').version")"
t=$(now)
(cd "$work" && node_modules/.bin/esbuild entry.js --bundle --minify --sourcemap --sources-content=true \
  --platform=node --format=esm --outfile=out/bundle.min.js --log-level=error)
echo "   $(elapsed "$t")"
if grep -qF "$work" "$work/out/bundle.min.js.map"; then
  echo "the map contains the temporary path $work" >&2
  exit 1
fi
mv "$work/out/bundle.min.js" "$work/out/bundle.min.js.map" "$out/"

echo "== statistics and trace"
t=$(now)
node "$here/analyze.mjs" "$out" "$trace_url" >/dev/null
echo "   $(elapsed "$t")"

node -e '
  const s = require(process.argv[1]);
  const mb = (n) => (n / 1e6).toFixed(1) + " MB";
  console.log(`map ${s.map_bytes} bytes (${mb(s.map_bytes)}), sourcesContent ${mb(s.sources_content_bytes)}, mappings ${mb(s.mappings_bytes)}`);
  console.log(`segments ${s.segments} (${s.segments_with_source} with a source), ${s.sources} sources, ${s.names} names, ${s.generated_lines} generated lines`);
  console.log(`bundle ${s.js_bytes} bytes (${mb(s.js_bytes)})`);
' "$out/stats.json"
map_bytes=$(stat -c %s "$out/bundle.min.js.map")
if ((map_bytes < min_bytes || map_bytes > max_bytes)); then
  echo "map size $map_bytes is outside $min_bytes..$max_bytes bytes" >&2
  exit 1
fi
echo "wrote $out/{bundle.min.js,bundle.min.js.map,trace.txt,trace.expected.json,stats.json}"
echo "total $(elapsed "$t0")"
