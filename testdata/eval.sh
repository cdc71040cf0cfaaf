#!/usr/bin/env bash
# Measures the matcher on synthetic worlds through the command line, as
# issue 4 states it: for each format and seed, certprint synth, registry
# import, scan import, match and eval into a fresh SQLite database, then
# one Markdown table row per run.
#
#   testdata/eval.sh                       # seeds 1..5 and 101..105, nmap and zgrab2, 500 models, 200,000 hosts
#   SEEDS="1 2" FORMATS=masscan HOSTS=20000 testdata/eval.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS=${SEEDS:-"1 2 3 4 5 101 102 103 104 105"}
FORMATS=${FORMATS:-"nmap zgrab2"}
HOSTS=${HOSTS:-200000}
MODELS=${MODELS:-500}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/certprint" ./cmd/certprint
cp=$work/certprint
echo "| format | seed | devices | precision | recall | certified share true | estimated | error (pp) | FP | FN | seconds |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for format in $FORMATS; do
  for seed in $SEEDS; do
    dir=$work/$format-$seed
    db=sqlite:$dir/eval.db
    start=$(date +%s)
    "$cp" synth --seed "$seed" --models "$MODELS" --hosts "$HOSTS" --format "$format" --out "$dir" >/dev/null 2>&1
    "$cp" --db "$db" registry import "$dir/registry.json" >/dev/null 2>&1
    "$cp" --db "$db" scan import --format "$format" --observed 2026-10-01 --name "synth-$format-$seed" "$dir"/scan.* >/dev/null 2>&1
    "$cp" --db "$db" match --scan 1 >/dev/null 2>&1
    "$cp" --db "$db" --json eval --truth "$dir/truth.csv" --scan 1 > "$dir/eval.json"
    elapsed=$(( $(date +%s) - start ))
    python3 - "$format" "$seed" "$elapsed" "$dir/eval.json" <<'PY'
import json, sys
f, seed, secs, path = sys.argv[1:]
r = json.load(open(path))
print(f"| {f} | {seed} | {r['devices']} | {r['precision']:.4f} | {r['recall']:.4f} | {100*r['certified_share_true']:.2f} % | "
      f"{100*r['certified_share_estimated']:.2f} % | {r['share_error_pp']:+.2f} | {r['false_positives']} | {r['false_negatives']} | {secs} |")
PY
    rm -rf "$dir"
  done
done
