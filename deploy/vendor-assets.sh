#!/bin/sh
# The browser files the app serves from npm packages (installed by `npm ci` from
# package-lock.json), copied into static/vendor/ (ignored by git): GraphiQL (development),
# tributejs (@mention suggestions), the emoji data of the reaction picker and uPlot (the help
# queue's response-time charts). Used by
# `make assets` and by the Dockerfile's assets stage, so both copy the same files.
set -eu
modules="${1:-node_modules}"
out="${2:-static/vendor}"
mkdir -p "$out/graphiql" "$out/tributejs" "$out/emoji" "$out/uplot"
cp "$modules/react/umd/react.production.min.js" \
   "$modules/react-dom/umd/react-dom.production.min.js" \
   "$modules/graphiql/graphiql.min.js" "$modules/graphiql/graphiql.min.css" \
   "$modules/graphiql/graphiql.min.js.map" "$modules/graphiql/graphiql.min.css.map" \
   "$out/graphiql/"
cp "$modules/tributejs/dist/tribute.min.js" "$modules/tributejs/dist/tribute.min.js.map" \
   "$out/tributejs/"
cp "$modules/emoji-picker-element-data/en/emojibase/data.json" "$out/emoji/data.json"
cp "$modules/uplot/dist/uPlot.iife.min.js" "$modules/uplot/dist/uPlot.min.css" "$out/uplot/"
