// Entry for build-map.sh. Bundling these packages with esbuild --minify gives a
// map of about 44 MB with sourcesContent and about 2.1 M segments. esbuild
// follows the input source maps that maplibre-gl, echarts and pdfjs-dist ship,
// so the map has about 1,360 sources.
export * as ts from "typescript";
export * as three from "three";
export * as lodash from "lodash";
export * as babel from "@babel/standalone/babel.js";
export * as maplibre from "maplibre-gl";
export * as echarts from "echarts/dist/echarts.js";
export * as pdfWorker from "pdfjs-dist/build/pdf.worker.mjs";
export * as pdf from "pdfjs-dist/build/pdf.mjs";
