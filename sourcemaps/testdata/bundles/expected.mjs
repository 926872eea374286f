// Writes <bundler>/expected.json from the normalised traces.
//
//   node expected.mjs <dir> <bundler> <version> <scenario>...
//
// <dir> holds original/trace-<scenario>.txt (the unbundled run: ground truth)
// and <bundler>/trace-<scenario>.txt (the bundled run), with paths already
// rewritten to /app/.
//
// Frames are paired by position: the n-th frame that points into the bundle
// gets the n-th frame that points into src/ of the original run. Native frames
// such as "Array.map (<anonymous>)" sit between them in both traces and must
// line up too. Node-internal frames have no counterpart and are listed with a
// "skip" reason.
//
// If the two runs do not have the same number of app frames (a bundler
// inlined a function), the source map is used only to decide which original
// frames have no minified counterpart; those are listed as "inlined". The
// file and line given for each minified frame always come from the original
// run, never from the map.
//
// Each paired frame also gets "lookup": the result of a plain lookup in the
// map, from a small decoder here, cross-checked with node:module SourceMap.
// The script prints where lookup and ground truth differ and fails when they
// differ in file or line (ALLOW_MISMATCH=1 keeps the output anyway).
import fs from "node:fs";
import path from "node:path";
import { SourceMap } from "node:module";

const [dir, bundler, version, ...scenarios] = process.argv.slice(2);
const bundleRel = `${bundler}/main.min.js`;
const mapRel = `${bundleRel}.map`;
const map = JSON.parse(fs.readFileSync(path.join(dir, mapRel), "utf8"));

// ---- V8 frame parsing ---------------------------------------------------

const FRAME = /^\s*at (async )?(?:(.*?) \()?(.+?)(?::(\d+):(\d+))?\)?$/;

function parseTrace(text) {
  const frames = [];
  for (const raw of text.split("\n")) {
    if (!/^\s+at /.test(raw)) continue;
    const m = FRAME.exec(raw);
    if (!m) throw new Error(`cannot parse frame: ${raw}`);
    const [, isAsync, fn, loc, line, col] = m;
    let kind;
    if (loc.startsWith("node:")) kind = "internal";
    else if (line === undefined) kind = "native";
    else if (/(^|\/)app\/src\//.test(loc)) kind = "source";
    else if (loc.endsWith(`/app/${bundleRel}`)) kind = "bundle";
    else kind = "other";
    frames.push({
      raw: raw.trim(),
      kind,
      async: Boolean(isAsync),
      function: fn ?? null,
      url: loc,
      line: line === undefined ? null : Number(line),
      column: col === undefined ? null : Number(col),
    });
  }
  return frames;
}

const srcFile = (url) => url.replace(/^.*?\/app\//, ""); // "src/cart.js"

// ---- tiny source map decoder (used for the check and for inlining only) --

const B64 = new Map([..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"].map((c, i) => [c, i]));

function decodeMappings(mappings) {
  const lines = [];
  let src = 0, oline = 0, ocol = 0, name = 0;
  for (const lineText of mappings.split(";")) {
    const segs = [];
    let gcol = 0;
    if (lineText !== "") {
      for (const segText of lineText.split(",")) {
        const vals = [];
        let v = 0, shift = 0;
        for (const c of segText) {
          const d = B64.get(c);
          v += (d & 31) << shift;
          if (d & 32) { shift += 5; continue; }
          vals.push(v & 1 ? -(v >>> 1) : v >>> 1);
          v = 0; shift = 0;
        }
        gcol += vals[0];
        const seg = { gcol };
        if (vals.length >= 4) {
          src += vals[1]; oline += vals[2]; ocol += vals[3];
          Object.assign(seg, { src, oline, ocol });
        }
        if (vals.length === 5) name += vals[4];
        segs.push(seg);
      }
    }
    lines.push(segs);
  }
  return lines;
}

const decoded = decodeMappings(map.mappings);
const nodeMap = new SourceMap(map);

// Normalise a map source to a path relative to the build dir, e.g. "src/cart.js".
function normSource(s) {
  const full = (map.sourceRoot ?? "") + s;
  const m = /^webpack:\/\/[^/]*\/(.*)$/.exec(full);
  if (m) return path.posix.normalize(m[1]);
  return path.posix.normalize(path.posix.join(path.posix.dirname(mapRel), full));
}

function lookup(line, column) {
  // 1-based line and column, as printed by V8.
  const segs = decoded[line - 1] ?? [];
  let best = null;
  for (const s of segs) {
    if (s.gcol <= column - 1) best = s;
    else break;
  }
  if (!best || best.src === undefined) return null;
  return { file: normSource(map.sources[best.src]), line: best.oline + 1, column: best.ocol + 1 };
}

function mapSourceFor(file) {
  const i = map.sources.findIndex((s) => normSource(s) === file);
  return i < 0 ? null : map.sources[i];
}

// ---- pairing -------------------------------------------------------------

const mismatches = [];
const summary = { frames: 0, withTruth: 0, inlined: 0, skipped: 0, mapFileLine: 0, mapExact: 0 };

function pair(name) {
  const min = parseTrace(fs.readFileSync(path.join(dir, bundler, `trace-${name}.txt`), "utf8"));
  const orig = parseTrace(fs.readFileSync(path.join(dir, "original", `trace-${name}.txt`), "utf8"));
  const minApp = min.filter((f) => f.kind === "bundle" || f.kind === "native");
  const origApp = orig.filter((f) => f.kind === "source" || f.kind === "native");

  // counterpart: minified frame -> original frame
  const counterpart = new Map();
  const inlined = [];
  let method;
  const sameShape =
    minApp.length === origApp.length &&
    minApp.every((f, i) => (f.kind === "native") === (origApp[i].kind === "native") &&
      (f.kind !== "native" || f.raw === origApp[i].raw));
  if (sameShape) {
    method = "position";
    minApp.forEach((f, i) => counterpart.set(f, origApp[i]));
  } else {
    // Walk both lists; an original frame that the next minified frame does
    // not map to (by file and line, or by identical native text) is inlined.
    method = "aligned through the map: the frame counts differ";
    let j = 0;
    for (const f of minApp) {
      let k = j;
      const want = f.kind === "native" ? null : lookup(f.line, f.column);
      while (k < origApp.length) {
        const o = origApp[k];
        if (f.kind === "native" ? o.raw === f.raw
            : o.kind === "source" && want && want.file === srcFile(o.url) && want.line === o.line) break;
        k++;
      }
      if (k === origApp.length) {
        // No counterpart found through the map: fall back to the next frame.
        k = j;
        if (k >= origApp.length) continue;
      }
      for (; j < k; j++) inlined.push(origApp[j]);
      counterpart.set(f, origApp[k]);
      j = k + 1;
    }
    for (; j < origApp.length; j++) inlined.push(origApp[j]);
  }

  const frames = min.map((f, index) => {
    const out = { index, raw: f.raw };
    summary.frames++;
    const o = counterpart.get(f);
    if (f.kind === "internal") {
      summary.skipped++;
      return { ...out, skip: "node-internal frame, not in the bundle" };
    }
    if (f.kind === "native") {
      summary.skipped++;
      return { ...out, skip: "native frame without a position", ...(o ? { original_index: orig.indexOf(o) } : {}) };
    }
    if (f.kind !== "bundle") {
      summary.skipped++;
      return { ...out, skip: "frame outside the bundle" };
    }
    if (!o) {
      summary.skipped++;
      return { ...out, skip: "no counterpart in the original trace (for example the call of the bundle's IIFE wrapper)" };
    }
    summary.withTruth++;
    const file = srcFile(o.url);
    const got = lookup(f.line, f.column);
    // Cross-check the small decoder with Node's own source map support.
    const e = nodeMap.findEntry(f.line - 1, f.column - 1);
    const viaNode = e && e.originalSource !== undefined
      ? { file: normSource(e.originalSource), line: e.originalLine + 1, column: e.originalColumn + 1 }
      : null;
    if (JSON.stringify(viaNode) !== JSON.stringify(got)) {
      throw new Error(`decoders disagree at ${f.raw}: ${JSON.stringify(got)} vs node ${JSON.stringify(viaNode)}`);
    }
    if (got && got.file === file && got.line === o.line) {
      summary.mapFileLine++;
      if (got.column === o.column) summary.mapExact++;
      else mismatches.push(`${name}#${index} ${f.line}:${f.column} column: map ${got.column}, truth ${o.column}`);
    } else {
      mismatches.push(`${name}#${index} ${f.line}:${f.column}: map ${got ? `${got.file}:${got.line}:${got.column}` : "nothing"}, truth ${file}:${o.line}:${o.column}`);
    }
    return {
      ...out,
      generated: { url: f.url, line: f.line, column: f.column, function: f.function },
      original: { file, line: o.line, column: o.column, function: o.function, async: o.async },
      map_source: mapSourceFor(file),
      lookup: got,
      original_index: orig.indexOf(o),
    };
  });

  summary.inlined += inlined.length;
  return {
    name,
    trace: `${bundler}/trace-${name}.txt`,
    original_trace: `original/trace-${name}.txt`,
    header: fs.readFileSync(path.join(dir, bundler, `trace-${name}.txt`), "utf8").split("\n")[0],
    pairing: method,
    frames,
    inlined: inlined.map((o) => ({
      inlined: true,
      original_index: orig.indexOf(o),
      raw: o.raw,
      original: { file: srcFile(o.url), line: o.line, column: o.column, function: o.function, async: o.async },
    })),
  };
}

function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  }
  return v;
}

const doc = {
  bundler,
  version,
  bundle: bundleRel,
  map: mapRel,
  note:
    "original: ground truth from running src/ unbundled with the same Node (file and line are the assertion; the column is informative, call-site columns differ by tool). " +
    "lookup: what a plain lookup in this map returns for generated (greatest segment at or before column-1 on line-1), " +
    "cross-checked with node:module SourceMap; null when there is no mapping. All lines and columns are 1-based, as printed by V8.",
  scenarios: scenarios.map(pair),
};
fs.writeFileSync(path.join(dir, bundler, "expected.json"), JSON.stringify(sortKeys(doc), null, 2) + "\n");
console.log(
  `${bundler}: ${summary.frames} frames, ${summary.withTruth} with ground truth, ${summary.inlined} inlined, ` +
  `${summary.skipped} skipped; map check: file+line ${summary.mapFileLine}/${summary.withTruth}, ` +
  `exact column ${summary.mapExact}/${summary.withTruth}`,
);
for (const m of mismatches) console.log(`  map check: ${m}`);
if (summary.mapFileLine !== summary.withTruth && !process.env.ALLOW_MISMATCH) {
  console.error(`${bundler}: the map disagrees with the original run on file or line (set ALLOW_MISMATCH=1 to keep it)`);
  process.exit(2);
}
