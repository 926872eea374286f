#!/usr/bin/env bash
# Regenerates the bundles, source maps, stack traces and expected.json files in
# this directory. Needs node and npm with access to the npm registry. The build
# tools are installed with `npm ci` from tools/package-lock.json into a
# temporary directory; nothing is installed into the repository.
#
# Usage: ./generate.sh            (run from anywhere)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
scenarios=(checkout refund)
bundlers=(esbuild terser webpack)

work=$(mktemp -d)
work=$(cd "$work" && pwd -P)
trap 'rm -rf "$work"' EXIT

echo "== installing tools into $work/tools"
mkdir -p "$work/tools"
cp "$here/tools/package.json" "$here/tools/package-lock.json" "$work/tools/"
(cd "$work/tools" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
bin="$work/tools/node_modules/.bin"

# The build directory is called "app": every absolute path below it is
# rewritten to /app/ in the traces, so /app/ stands for this directory.
app="$work/app"
mkdir -p "$app"
cp -R "$here/src" "$app/src"
cp "$here/webpack.config.cjs" "$app/"
cd "$app"

echo "== esbuild"
"$bin/esbuild" src/main.js --bundle --minify --sourcemap --sources-content=true \
  --platform=node --outfile=esbuild/main.min.js --log-level=warning

echo "== esbuild (unminified IIFE) -> terser"
mkdir -p build terser
"$bin/esbuild" src/main.js --bundle --sourcemap --sources-content=true \
  --platform=node --format=iife --outfile=build/stage1.js --log-level=warning
"$bin/terser" build/stage1.js --compress --mangle \
  --source-map "content='build/stage1.js.map',url='main.min.js.map',includeSources" \
  -o terser/main.min.js

echo "== webpack"
"$bin/webpack" --config webpack.config.cjs --no-color >webpack.log || { cat webpack.log >&2; exit 1; }

# run <outfile> <script> <scenario>: the program must print a stack and exit 1.
run() {
  local out=$1 script=$2 scenario=$3 rc=0
  node "$script" "$scenario" >"$out.raw" 2>&1 || rc=$?
  if [[ $rc -ne 1 ]]; then
    echo "unexpected exit status $rc from node $script $scenario" >&2
    cat "$out.raw" >&2
    exit 1
  fi
  # Replace the machine's build directory with /app/ (also inside file:// URLs).
  APP="$app/" node -e '
    const fs = require("fs");
    const [raw, out] = process.argv.slice(1);
    fs.writeFileSync(out, fs.readFileSync(raw, "utf8").split(process.env.APP).join("/app/"));
  ' "$out.raw" "$out"
  rm "$out.raw"
  if grep -qF "$work" "$out"; then
    echo "temporary path left in $out" >&2
    exit 1
  fi
}

mkdir -p original
for s in "${scenarios[@]}"; do
  run "original/trace-$s.txt" src/main.js "$s"
done
for b in "${bundlers[@]}"; do
  for s in "${scenarios[@]}"; do
    run "$b/trace-$s.txt" "$b/main.min.js" "$s"
  done
done

# Sanity: the bundles must behave like the sources when nothing fails.
node src/main.js ok >ok.expected
for b in "${bundlers[@]}"; do
  node "$b/main.min.js" ok | cmp - ok.expected
done

node -e '
  const v = (p) => require(process.argv[1] + "/node_modules/" + p + "/package.json").version;
  const out = {
    node: process.version,
    esbuild: v("esbuild"),
    terser: v("terser"),
    webpack: v("webpack"),
    "webpack-cli": v("webpack-cli"),
    "minimizer-webpack-plugin (webpack minifier, uses terser)": v("minimizer-webpack-plugin"),
  };
  console.log(JSON.stringify(out, null, 2));
' "$work/tools" >versions.json

for b in "${bundlers[@]}"; do
  ver=$(node -p "require('$work/tools/node_modules/$b/package.json').version")
  node "$here/expected.mjs" "$app" "$b" "$ver" "${scenarios[@]}"
done

echo "== copying results into $here"
for d in original "${bundlers[@]}"; do
  rm -rf "${here:?}/$d"
  mkdir -p "$here/$d"
  cp "$d"/* "$here/$d/"
done
cp versions.json "$here/versions.json"
du -sh "$here"/{original,esbuild,terser,webpack}
