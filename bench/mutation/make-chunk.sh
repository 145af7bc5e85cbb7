#!/bin/bash
# Writes a per-chunk Stryker config: one file (or a few) to mutate, only the unit tests that cover it.
#   bash bench/mutation/make-chunk.sh <name> "<mutate,...>" <test files...>
# then: nice -n 10 timeout 600 npx stryker run bench/mutation/chunks/<name>.json
# Incremental: a later run of the chunk retests only the mutants whose code or covering tests changed
# (reports/ is not kept in git; add --force to retest everything).
set -euo pipefail
name=$1 mutate=$2
shift 2
json_list() { local first=1; printf '['; for x in "$@"; do [ $first = 1 ] || printf ', '; printf '"%s"' "$x"; first=0; done; printf ']'; }
IFS=, read -ra m <<<"$mutate"
cat >"bench/mutation/chunks/$name.json" <<JSON
{
  "\$schema": "../../../node_modules/@stryker-mutator/core/schema/stryker-schema.json",
  "testRunner": "tap",
  "tap": { "testFiles": $(json_list "$@"), "nodeArgs": ["--import", "tsx"], "forceBail": true },
  "mutate": $(json_list "${m[@]}"),
  "coverageAnalysis": "perTest",
  "concurrency": 1,
  "timeoutMS": 8000,
  "reporters": ["clear-text", "json", "progress-append-only"],
  "clearTextReporter": { "reportMutants": true, "reportTests": false, "reportScoreTable": true },
  "jsonReporter": { "fileName": "bench/results/mutation-$name-report.json" },
  "tempDirName": ".stryker-tmp",
  "cleanTempDir": "always",
  "incremental": true,
  "incrementalFile": "reports/stryker-incremental-$name.json"
}
JSON
echo "bench/mutation/chunks/$name.json"
