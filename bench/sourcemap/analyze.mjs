// Reads the bundle and map that build-map.sh produced, prints their statistics
// and writes trace.txt (a 20-frame V8-style stack trace whose frames point at
// the starts of mapped segments) and trace.expected.json (where each frame
// maps to).
//
//   node analyze.mjs <outdir> <trace-url>
import fs from "node:fs";
import path from "node:path";
import { SourceMap } from "node:module";

const [outDir, traceURL] = process.argv.slice(2);
const FRAMES = 20;
const jsPath = path.join(outDir, "bundle.min.js");
const mapPath = `${jsPath}.map`;
const mapBytes = fs.statSync(mapPath).size;
const jsBytes = fs.statSync(jsPath).size;
const map = JSON.parse(fs.readFileSync(mapPath, "utf8"));
const mappings = map.mappings;

// Segment count: for every non-empty generated line, its ',' count plus one.
let segments = 0;
let generatedLines = 1;
let lineHasSegment = false;
for (let i = 0; i < mappings.length; i++) {
  const c = mappings.charCodeAt(i);
  if (c === 59 /* ; */) {
    if (lineHasSegment) segments++;
    generatedLines++;
    lineHasSegment = false;
  } else if (c === 44 /* , */) {
    segments++;
  } else {
    lineHasSegment = true;
  }
}
if (lineHasSegment) segments++;

// Decode every segment that has a source into typed arrays.
const B64 = new Int8Array(128).fill(-1);
[..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"].forEach((ch, i) => (B64[ch.charCodeAt(0)] = i));
const gLine = new Int32Array(segments), gCol = new Int32Array(segments), src = new Int32Array(segments);
const oLine = new Int32Array(segments), oCol = new Int32Array(segments), nameIx = new Int32Array(segments);
let mapped = 0;
{
  let line = 0, col = 0, s = 0, ol = 0, oc = 0, nm = 0;
  const vals = [0, 0, 0, 0, 0];
  let n = 0, v = 0, shift = 0;
  const flush = () => {
    if (n === 0) return;
    col += vals[0];
    if (n >= 4) {
      s += vals[1]; ol += vals[2]; oc += vals[3];
      gLine[mapped] = line; gCol[mapped] = col; src[mapped] = s; oLine[mapped] = ol; oCol[mapped] = oc;
      if (n === 5) { nm += vals[4]; nameIx[mapped] = nm; } else nameIx[mapped] = -1;
      mapped++;
    }
    n = 0;
  };
  for (let i = 0; i < mappings.length; i++) {
    const c = mappings.charCodeAt(i);
    if (c === 59 || c === 44) {
      flush();
      if (c === 59) { line++; col = 0; }
      continue;
    }
    const d = B64[c];
    if (d < 0) throw new Error(`bad base64 character at ${i}`);
    v += (d & 31) * 2 ** shift;
    if (d & 32) { shift += 5; continue; }
    vals[n++] = v % 2 ? -(v - 1) / 2 : v / 2;
    v = 0; shift = 0;
  }
  flush();
}

const scBytes = (map.sourcesContent ?? []).reduce((a, s) => a + (s == null ? 0 : Buffer.byteLength(s)), 0);
const stats = {
  map_bytes: mapBytes,
  js_bytes: jsBytes,
  sources: map.sources.length,
  sources_content_bytes: scBytes,
  names: map.names.length,
  mappings_bytes: mappings.length,
  segments,
  segments_with_source: mapped,
  generated_lines: generatedLines,
};

// 20 frames, spread evenly over the mapped segments (so over the file). The
// function name is the identifier that starts at the position in the bundle
// (a minified name, as V8 would print), or f<k> when there is none.
const KEYWORDS = new Set(("break case catch class const continue debugger default delete do else export extends " +
  "false finally for function if import in instanceof let new null return super switch this throw true try typeof " +
  "var void while with yield async await of").split(" "));
const jsLines = fs.readFileSync(jsPath, "utf8").split("\n");
const frames = [];
const lines = [`Error: snag benchmark trace (${FRAMES} frames)`];
for (let k = 0; k < FRAMES; k++) {
  const i = Math.floor(((k + 0.5) * mapped) / FRAMES);
  const ident = /^[A-Za-z_$][\w$]*/.exec(jsLines[gLine[i]].slice(gCol[i]));
  const fn = ident && !KEYWORDS.has(ident[0]) ? ident[0] : `f${k}`;
  const line = gLine[i] + 1, column = gCol[i] + 1;
  lines.push(`    at ${fn} (${traceURL}:${line}:${column})`);
  frames.push({
    generated: { line, column, function: fn },
    original: {
      source: map.sources[src[i]],
      line: oLine[i] + 1,
      column: oCol[i] + 1,
      name: nameIx[i] >= 0 ? map.names[nameIx[i]] : null,
    },
  });
}
// Cross-check the 20 answers with Node's own source map support.
const nodeMap = new SourceMap(map);
for (const f of frames) {
  const e = nodeMap.findEntry(f.generated.line - 1, f.generated.column - 1);
  const got = [e.originalSource, e.originalLine + 1, e.originalColumn + 1];
  const want = [f.original.source, f.original.line, f.original.column];
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(`node:module SourceMap disagrees at ${f.generated.line}:${f.generated.column}: ${got} vs ${want}`);
  }
}

fs.writeFileSync(path.join(outDir, "trace.txt"), lines.join("\n") + "\n");
fs.writeFileSync(
  path.join(outDir, "trace.expected.json"),
  JSON.stringify({ note: "1-based lines and columns; generated positions start mapped segments", url: traceURL, frames }, null, 2) + "\n",
);
fs.writeFileSync(path.join(outDir, "stats.json"), JSON.stringify(stats, null, 2) + "\n");
console.log(JSON.stringify(stats));
