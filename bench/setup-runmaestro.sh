#!/bin/sh
# Builds RunMaestro's headless CLI (`maestro-cli`, the runner of the desktop Maestro) OUTSIDE this repository, for
# `RUNMAESTRO_DIR=DIR npm run bench -- cli-overhead`. None of its code is part of Maestro for GitHub.
#
#   bench/setup-runmaestro.sh [DIR] [SOURCE]
#     DIR     where to put the checkout (default /tmp/runmaestro); must be outside this repository
#     SOURCE  a git URL or a local (bare) clone (default https://github.com/RunMaestro/Maestro.git)
#
# Its own `npm install` would set up the whole Electron app (its postinstall rebuilds node-pty and better-sqlite3
# with Python and a compiler). Its CLI is one esbuild bundle (scripts/build-cli.mjs) that needs five packages
# at the versions of its package-lock.json, installed here from the npm registry beside the checkout.
# @sentry/electron/main is left external: only the desktop app's main process imports it (dynamically).
set -eu
DIR=${1:-/tmp/runmaestro}
SOURCE=${2:-https://github.com/RunMaestro/Maestro.git}
HERE=$(cd "$(dirname "$0")/.." && pwd)
case "$(cd "$(dirname "$DIR")" 2>/dev/null && pwd)/" in
  "$HERE"/*) echo "setup-runmaestro: $DIR is inside this repository; choose a directory outside it" >&2; exit 2 ;;
esac

if [ ! -d "$DIR/src/cli" ]; then
  rm -rf "$DIR"
  if [ -d "$SOURCE" ]; then
    mkdir -p "$DIR" && git -C "$SOURCE" archive HEAD | tar -x -C "$DIR"
  else
    git clone --depth 1 "$SOURCE" "$DIR"
  fi
fi

DEPS="$DIR-deps"
mkdir -p "$DEPS"
[ -f "$DEPS/package.json" ] || echo '{ "name": "runmaestro-cli-deps", "private": true }' > "$DEPS/package.json"
versions=$(cd "$DIR" && node -e '
  const lock = require("./package-lock.json").packages;
  const names = ["commander", "chokidar", "js-yaml", "picomatch", "ws", "esbuild"];
  console.log(names.map((n) => `${n}@${lock["node_modules/" + n].version}`).join(" "));
')
# shellcheck disable=SC2086
(cd "$DEPS" && npm install --ignore-scripts --no-audit --no-fund $versions)
ln -sfn "$DEPS/node_modules" "$DIR/node_modules"

cd "$DIR"
sed "s/external: \['fsevents'\]/external: ['fsevents', '@sentry\/electron\/main']/" scripts/build-cli.mjs > scripts/build-cli-bench.mjs
node scripts/build-cli-bench.mjs
# Where the packaged CLI finds its prompts (src/cli/services/prompt-loader.ts): prompts/core beside the bundle.
mkdir -p dist/cli/prompts/core && cp -r src/prompts/. dist/cli/prompts/core/
echo "RunMaestro's CLI: $DIR/dist/cli/maestro-cli.js ($(git -C "$SOURCE" rev-parse --short HEAD 2>/dev/null || echo "$SOURCE"))"
echo "now: RUNMAESTRO_DIR=$DIR npm run bench -- cli-overhead"
