// webpack configuration used by generate.sh. It runs with cwd set to the
// temporary build directory, which holds a copy of src/.
const path = require("path");

module.exports = {
  mode: "production",
  devtool: "source-map",
  target: "node",
  context: process.cwd(),
  entry: "./src/main.js",
  output: {
    path: path.resolve(process.cwd(), "webpack"),
    filename: "main.min.js",
    devtoolNamespace: "snag-testdata",
  },
};
