#!/usr/bin/env bash
# Makes a small sample git repo (a tiny Node library with a bug) for the demo: examples/make-sample-repo.sh DIR
set -euo pipefail
dir=${1:?usage: make-sample-repo.sh DIR}
if [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
  echo "make-sample-repo: $dir exists and is not empty; pass a new directory" >&2
  exit 2
fi
mkdir -p "$dir/src"
cd "$dir"
cat > package.json <<'JSON'
{
  "name": "textkit",
  "version": "1.0.0",
  "type": "module",
  "scripts": { "test": "node --test" }
}
JSON
cat > src/slugify.js <<'JS'
// Turns a title into a URL slug.
export function slugify(title) {
  return title.replace(/[^A-Za-z0-9]+/g, "-");
}
JS
cat > src/index.js <<'JS'
export { slugify } from "./slugify.js";
JS
cat > README.md <<'MD'
# textkit

Small text helpers.
MD
git init -q -b main
git config user.name "Sample Maintainer"
git config user.email "maintainer@example.com"
git add -A
git commit -q -m "textkit: first version"
echo "$dir"
