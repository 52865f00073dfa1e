#!/usr/bin/env bash
# The README's first command: a real playbook run on a fresh sample repo with a deterministic demo agent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$root/dist/cli/bin.js" ] || npm --prefix "$root" run --silent build
work=$(mktemp -d "${TMPDIR:-/tmp}/maestro-demo.XXXXXX")
repo=$(bash "$root/examples/make-sample-repo.sh" "$work/textkit")
echo "sample repo: $repo"
export MAESTRO_DATA_DIR="$work/maestro-data"
# The demo agent lives in this checkout: the sandbox (when bubblewrap is installed) may read it, nothing else of ours.
export MAESTRO_SANDBOX_READ_PATHS="$root/examples${MAESTRO_SANDBOX_READ_PATHS:+:$MAESTRO_SANDBOX_READ_PATHS}"
status=0
node "$root/bin/maestro.js" run "$root/examples/playbooks/demo.md" --repo "$repo" \
  --agent command --agent-command "node '$root/examples/demo-agent.mjs'" || status=$?
branch=$(git -C "$repo" for-each-ref --format='%(refname:short)' refs/heads/maestro/ | head -n 1)
if [ -n "$branch" ]; then
  echo
  echo "commits on $branch:"
  git -C "$repo" log --format='  %h %s  [%(trailers:key=Maestro-Task,separator=%x2C )]' "main..$branch"
  echo
  echo "the original checkout is untouched: $(git -C "$repo" status --porcelain | wc -l) changed file(s) on $(git -C "$repo" branch --show-current)"
  echo "see the log: node $root/bin/maestro.js logs $MAESTRO_DATA_DIR/runs/*.jsonl"
fi
exit $status
