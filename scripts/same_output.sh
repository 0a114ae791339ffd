#!/usr/bin/env bash
# Records what a cxstat binary prints and writes for a fixed set of command lines, so that a
# restructuring can be checked to change no output: run it with the binary before and after,
# then `diff -r` the two folders (stdout, stderr, exit code and every file written, per case).
#
#   bash scripts/same_output.sh target/debug/cxstat /tmp/before
#   (change, rebuild)
#   bash scripts/same_output.sh target/debug/cxstat /tmp/after && diff -r /tmp/before /tmp/after
set -uo pipefail
bin=$(realpath "$1")
out=$2
cd "$(dirname "$0")/.."
repo=$(pwd)
rm -rf "$out" && mkdir -p "$out"
out=$(realpath "$out")
E=examples/data
F=fixtures
n=0
case_() {
  n=$((n + 1))
  local dir
  dir=$(printf '%s/%03d' "$out" "$n")
  mkdir -p "$dir/files"
  printf '%s\n' "$*" | sed "s#$out#OUT#g; s#$repo#REPO#g" > "$dir/cmd"
  # Each case runs in its own folder so files it writes (charts, partials, reports) are kept.
  (cd "$dir/files" && NO_COLOR=1 "$bin" "$@" > ../stdout 2> ../stderr < /dev/null; echo $? > ../rc)
  # Paths of the run's folder are not part of the output.
  sed -i "s#$dir/files#FILES#g; s#$out#OUT#g; s#$repo#REPO#g" "$dir/stderr" "$dir/stdout"
}
r() { printf '%s/%s' "$repo" "$1"; }

# survey
for fmt in csv json markdown table; do
  case_ survey "$(r $E/responses.csv)" --by segment --format $fmt
done
case_ survey "$(r $E/responses.csv)" --period quarter --from 2025-10-01 --to 2026-09-30 --format markdown
case_ survey "$(r $E/responses.csv)" --period month --by channel --format csv --nps-interval adjusted-wald --confidence 0.9
case_ survey "$(r $E/responses.csv)" --period week --format json --no-total --min-n 5
case_ survey "$(r $E/responses.csv)" --period day --format csv
case_ survey "$(r $E/responses.csv)" --period year --by segment,channel --format csv --emit-partials p.json
case_ survey "$(r $E/responses.csv)" --period quarter --chart csat.png --format csv
case_ survey "$(r $E/responses.csv)" --by segment --chart nps.svg --format csv
case_ survey "$(r $E/responses.csv)" --chart dist.svg --chart-type distribution --chart-metric csat --format csv
case_ survey "$(r $F/survey_small.csv)" --by segment --period month --format csv
case_ survey "$(r $F/survey_weighted.csv)" --weight weight --format markdown
case_ survey "$(r $F/survey_weighted.csv)" --weight weight --format csv --by segment
case_ survey "$(r $F/survey_invalid.csv)" --na-values -99,0 --format csv
case_ survey "$(r $F/survey_invalid.csv)" --strict --format csv
case_ survey "$(r $F/survey_gbk.csv)" --format csv
case_ survey "$(r $F/survey_bom.csv)" --format csv --by segment
case_ survey "$(r $F/survey_zh.csv)" --format csv --by 渠道
case_ survey "$(r $F/survey_zh.xlsx)" --period month --format csv
case_ survey "$(r $F/survey_labels.csv)" --format csv
case_ survey "$(r $F/survey_ragged.csv)" --format csv
case_ survey "$(r $F/survey_nocols.csv)" --format csv
case_ survey "$(r $F/empty.csv)" --format csv
case_ survey "$(r $F/header_only.csv)" --format csv
case_ survey "$(r $F/custom_headers.csv)" --config "$(r $F/custom.toml)" --format csv --period month
case_ survey "$(r $F/qualtrics_export.csv)" --format csv
case_ survey "$(r $F/qualtrics_export_utf16.tsv)" --format csv
case_ survey "$(r $F/surveymonkey_export.csv)" --format csv
case_ survey "$(r $F/googleforms_export.csv)" --format csv
case_ survey "$(r $F/survey_variants.tsv)" --format csv
case_ survey "$(r $F/platform_plain.csv)" --format csv --csat-scale 1-7 --csat-top 3 --ces-scale 1-5
case_ survey "$(r $E/responses.csv)" --confidence 1.5
case_ survey "$(r $E/responses.csv)" --csat-top 9
case_ survey "$(r $E/responses.csv)" --from 2026-13-01
case_ survey "$(r $E/responses.csv)" --by nosuch
# complaints
for fmt in csv json markdown table; do
  case_ complaints "$(r $E/complaints.csv)" --period quarter --from 2026-01-01 --format $fmt
done
case_ complaints "$(r $E/complaints.csv)" --by category --period month --orders "$(r $E/orders.csv)" --format csv --emit-partials c.json
case_ complaints "$(r $E/complaints.csv)" --period week --sla-response 4h --sla-resolve 72h --format csv
case_ complaints "$(r $E/complaints.csv)" --business-hours 09:00-18:00 --workdays mon-fri --sla-response 4h --format csv
case_ complaints "$(r $E/complaints.csv)" --funnel --format csv
case_ complaints "$(r $E/complaints.csv)" --funnel --by channel --format markdown
case_ complaints "$(r $E/complaints.csv)" --pareto category --chart causes.png --format csv
case_ complaints "$(r $E/complaints.csv)" --period month --chart resp.svg --chart-metric response --format csv
case_ complaints "$(r $E/complaints.csv)" --period month --orders "$(r $E/orders.csv)" --chart r1000.svg --chart-metric per-1000-orders --format csv
case_ complaints "$(r $E/complaints.csv)" --as-of "2026-10-31 12:00" --by severity --format json
case_ complaints "$(r $F/complaints_small.csv)" --config "$(r $F/complaints.toml)" --format csv --by severity
case_ complaints "$(r $F/complaints_small.csv)" --config "$(r $F/complaints.toml)" --format csv --sla-response 4h --strict
case_ complaints "$(r $F/cfpb_head.csv)" --skip-rows 2 --col "status=Company response to consumer" --period year --format csv
case_ complaints "$(r $F/complaints_small.csv)" --orders "$(r $F/orders_small.csv)" --period month --format csv
case_ complaints "$(r $E/complaints.csv)" --sla-response 4x
case_ complaints "$(r $E/complaints.csv)" --business-hours 25:00-18:00
# repeat
for fmt in csv json markdown table; do
  case_ repeat "$(r $E/orders.csv)" --as-of 2026-10-31 --from 2026-07-01 --window 90d --format $fmt
done
case_ repeat "$(r $E/orders.csv)" --as-of 2026-10-31 --period quarter --format csv --emit-partials r.json
case_ repeat "$(r $E/orders.csv)" --as-of 2026-10-31 --period week --format csv
case_ repeat "$(r $E/orders.csv)" --as-of 2026-10-31 --cohorts --chart cohorts.png --format csv
case_ repeat "$(r $E/orders.csv)" --as-of 2026-10-31 --cohorts --counts --format markdown
case_ repeat "$(r $E/orders.csv)" --as-of 2026-10-31 --rfm --customers cust.csv --format csv
case_ repeat "$(r $E/orders.csv)" --as-of 2026-10-31 --rfm --format json
case_ repeat "$(r $E/orders.csv)" --as-of 2026-10-31 --chart rep.svg --chart-metric return --format csv
case_ repeat "$(r $F/orders_small.csv)" --as-of 2026-10-31 --format csv --window 30d
case_ repeat "$(r $E/orders.csv)" --as-of 2026-10-31 --window 0d
# compare
case_ compare "$(r $E/responses.csv)" --segments segment --from 2026-07-01 --format markdown
case_ compare "$(r $E/responses.csv)" --period month --format csv
case_ compare "$(r $E/responses.csv)" --period month --against yoy --format csv --adjust bh
case_ compare "$(r $E/responses.csv)" --period quarter --by segment --format json --adjust none --alpha 0.1
case_ compare "$(r $F/survey_weighted.csv)" --weight weight --segments segment --format csv
# drivers
case_ drivers "$(r $E/responses.csv)" --drivers 'q_*' --chart drivers.png --format csv
case_ drivers "$(r $E/responses.csv)" --drivers 'q_*' --target nps --by segment --format markdown
case_ drivers "$(r $F/drivers_small.csv)" --drivers q_speed,q_staff,q_price --format json
case_ drivers "$(r $E/responses.csv)" --drivers 'zz_*' --format csv
# loyalty
case_ loyalty --responses "$(r $E/responses.csv)" --orders "$(r $E/orders.csv)" --format markdown
case_ loyalty --responses "$(r $E/responses.csv)" --orders "$(r $E/orders.csv)" --window 90d --format csv --from 2026-01-01
case_ loyalty --responses "$(r $F/loyalty_responses.csv)" --orders "$(r $F/loyalty_orders.csv)" --format json --window 60d
# inspect
for f in $E/responses.csv $E/complaints.csv $E/orders.csv $F/survey_gbk.csv $F/qualtrics_export.csv $F/survey_zh.xlsx $F/survey_invalid.csv $F/cfpb_head.csv; do
  case_ inspect "$(r $f)" --format csv
done
case_ inspect "$(r $E/responses.csv)" --format table
# merge (partials written by earlier cases)
sv=$(printf '%s/%03d/files/p.json' "$out" 9)
case_ merge "$sv" "$sv" --format csv
cj=$(ls "$out"/*/files/c.json | head -1)
case_ merge "$cj" --format csv
rj=$(ls "$out"/*/files/r.json | head -1)
case_ merge "$rj" --format csv
case_ merge "$sv" "$rj" --format csv
# scorecard
case_ scorecard --responses "$(r $E/responses.csv)" --complaints "$(r $E/complaints.csv)" --orders "$(r $E/orders.csv)" \
  --month 2026-10 --out reports --by segment,channel --fail-under nps=30,csat=80 --fail-over complaints_per_1000=60
case_ scorecard --responses "$(r $E/responses.csv)" --complaints "$(r $E/complaints.csv)" --orders "$(r $E/orders.csv)" \
  --quarter 2026-Q3 --out reports --as-of 2026-11-02
case_ scorecard --responses "$(r $E/responses.csv)" --month last --as-of 2026-11-02 --out reports --period week
case_ scorecard --responses "$(r $F/survey_weighted.csv)" --month 2026-10 --out reports
# help texts
case_ --help
for c in survey complaints repeat scorecard compare drivers loyalty inspect merge; do
  case_ $c --help
done
echo "$n cases in $out"
