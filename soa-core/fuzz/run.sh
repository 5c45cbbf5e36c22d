#!/usr/bin/env bash
# Fuzzes every target of soa-core (or the ones named) for SECONDS each, one after another and
# one process at a time, then keeps a minimized corpus per target and writes SUMMARY.md.
#
#   bash soa-core/fuzz/run.sh SECONDS [TARGET...]
#
# Needs cargo-fuzz (`cargo install --locked cargo-fuzz@0.13.2`); the stable toolchain is enough
# (RUSTC_BOOTSTRAP=1 unlocks the sanitizer flags). Targets are built once with
# AddressSanitizer and debug assertions (overflow checks), then each runs in libFuzzer's fork
# mode with one worker (-fork=1): a crash is recorded (artifacts/<target>/) and fuzzing goes on
# for the rest of the time, so one bug does not hide the next.
#
# Working files live under target/ (git-ignored): the growing corpus target/fuzz-work/corpus/,
# each run's log target/fuzz-work/logs/. At the end of each target the corpus is minimized
# (-merge=1) into corpus/<target>/: the hand-written seeds (seed-*) are kept, and at most
# MAX_CORPUS (200) of the smallest minimized inputs beside them.
#
# FUZZ_DEADLINE (optional, seconds since the epoch): nothing runs past it; a target that would
# get less than a minute is skipped and listed as not run. FUZZ_LAST_START (optional, seconds
# since the epoch): no target starts after it.
set -uo pipefail

FUZZ="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$FUZZ"
export RUSTC_BOOTSTRAP=1
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

EACH="${1:-}"
if ! [[ "$EACH" =~ ^[0-9]+$ ]] || [ "$EACH" -lt 1 ]; then
  echo "usage: bash soa-core/fuzz/run.sh SECONDS [TARGET...]" >&2
  exit 2
fi
shift
MAX_CORPUS=200
DEADLINE="${FUZZ_DEADLINE:-0}"
LAST_START="${FUZZ_LAST_START:-0}"
TRIPLE="$(rustc -vV | sed -n 's/^host: //p')"
BIN_DIR="$FUZZ/target/$TRIPLE/release"
WORK="$FUZZ/target/fuzz-work"
mkdir -p "$WORK/corpus" "$WORK/logs" "$WORK/min"

command -v cargo-fuzz >/dev/null 2>&1 || {
  echo "cargo-fuzz is missing: cargo install --locked cargo-fuzz@0.13.2" >&2
  exit 1
}

if [ "$#" -gt 0 ]; then
  TARGETS=("$@")
else
  mapfile -t TARGETS < <(cargo fuzz list)
fi
[ "${#TARGETS[@]}" -gt 0 ] || { echo "no fuzz target found" >&2; exit 1; }

echo "building ${#TARGETS[@]} targets (AddressSanitizer, debug assertions)"
BUILD_NOTE=""
if ! cargo fuzz build -a; then
  for t in "${TARGETS[@]}"; do
    [ -x "$BIN_DIR/$t" ] || { echo "the fuzz targets do not build" >&2; exit 1; }
  done
  # soa-core does not build right now (an edit in progress): fuzz the last build.
  BUILD_NOTE=" The build failed at the start, so the targets of the previous build ran."
  echo "WARNING: the build failed; fuzzing the previous build of every target" >&2
fi

RESULTS="$WORK/results.tsv"
: > "$RESULTS"
STARTED="$(date -u +%Y-%m-%dT%H:%MZ)"
COMMIT="$(git -C "$FUZZ" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git -C "$FUZZ/.." status --porcelain -- src 2>/dev/null)" ]; then
  COMMIT="$COMMIT with uncommitted changes to soa-core/src"
fi

# Seconds a step may take: at most $1, and no further than the deadline.
time_left() {
  local cap="$1"
  if [ "$DEADLINE" -gt 0 ]; then
    local left=$((DEADLINE - $(date +%s)))
    [ "$left" -lt "$cap" ] && cap="$left"
    [ "$cap" -lt 1 ] && cap=1
  fi
  echo "$cap"
}

# The last libFuzzer status line of a log: "#N ... cov: C ft: F corp: K ...".
last_stat() {
  grep -aE '^#[0-9]+' "$1" | grep -a ' cov: ' | tail -1
}
field() { # field NAME LINE
  sed -nE "s/.* $1: ([0-9]+).*/\1/p" <<<"$2"
}

write_summary() {
  {
    echo "# Fuzzing summary"
    echo
    echo "Written by \`soa-core/fuzz/run.sh $EACH\` (started $STARTED, soa-core at $COMMIT).$BUILD_NOTE"
    echo "Each target ran alone, in libFuzzer's fork mode with one worker, built with"
    echo "AddressSanitizer and debug assertions. *Executions* is libFuzzer's count of inputs run;"
    echo "*cov* the coverage points it reports (\`cov:\`), *ft* its features; *corpus* the minimized"
    echo "corpus kept in \`corpus/<target>/\` (seeds included); *crashes* the crash, timeout and"
    echo "out-of-memory inputs found (in \`artifacts/<target>/\`, not committed)."
    echo
    echo "| target | seconds | executions | exec/s | cov | ft | corpus | crashes |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    while IFS=$'\t' read -r t secs execs cov ft corp crashes note; do
      local rate=0
      [ "$secs" -gt 0 ] && rate=$((execs / secs))
      echo "| $t | $secs | $execs | $rate | $cov | $ft | $corp | $crashes${note:+ ($note)} |"
    done < "$RESULTS"
    if awk -F'\t' '$7 > 0 { found = 1 } END { exit !found }' "$RESULTS"; then
      echo
      echo "## Crashes"
      echo
      while IFS=$'\t' read -r t _ _ _ _ _ crashes _; do
        [ "$crashes" -gt 0 ] 2>/dev/null || continue
        echo "- **$t**:"
        # The panic messages of the replayed inputs (numbers as #, so that one bug is one
        # line), most frequent first, with one input each.
        sed -E 's/[0-9]+/#/g' "$WORK/logs/$t.crashes" | cut -d' ' -f2- | sort | uniq -c \
          | sort -rn | head -5 | while read -r n msg; do
              ex="$(sed -E 's/[0-9]+/#/g' "$WORK/logs/$t.crashes" | grep -anF -- ": $msg" \
                | head -1 | cut -d: -f1)"
              ex="$(sed -n "${ex}p" "$WORK/logs/$t.crashes" | cut -d: -f1)"
              echo "  - $n× \`${msg//\`/\'}\` (e.g. \`artifacts/$t/$ex\`)"
            done
      done < "$RESULTS"
    fi
  } > "$FUZZ/SUMMARY.md"
}

for t in "${TARGETS[@]}"; do
  secs="$EACH"
  if [ "$LAST_START" -gt 0 ] && [ "$(date +%s)" -gt "$LAST_START" ]; then
    printf '%s\t0\t0\t0\t0\t0\t0\tnot run: deadline\n' "$t" >> "$RESULTS"
    write_summary
    continue
  fi
  if [ "$DEADLINE" -gt 0 ]; then
    left=$((DEADLINE - $(date +%s) - 60)) # a minute for the merge
    [ "$left" -lt "$secs" ] && secs="$left"
    if [ "$secs" -lt 60 ]; then
      printf '%s\t0\t0\t0\t0\t0\t0\tnot run: deadline\n' "$t" >> "$RESULTS"
      write_summary
      continue
    fi
  fi
  bin="$BIN_DIR/$t"
  log="$WORK/logs/$t.log"
  mkdir -p "$WORK/corpus/$t" "$FUZZ/artifacts/$t" "$FUZZ/corpus/$t"
  before=$(find "$FUZZ/artifacts/$t" -type f | wc -l)
  touch "$WORK/logs/$t.start"
  echo "=== $t: ${secs}s ($(date -u +%H:%M:%S))"
  # Fork mode with one worker: crashes, timeouts and OOMs are recorded and fuzzing goes on.
  timeout --kill-after=20 "$(time_left $((secs + 120)))" "$bin" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 \
    -ignore_ooms=1 -max_total_time="$secs" -timeout=25 -rss_limit_mb=2560 -max_len=8192 \
    -artifact_prefix="$FUZZ/artifacts/$t/" -print_final_stats=1 \
    "$WORK/corpus/$t" "$FUZZ/corpus/$t" > "$log" 2>&1
  stat="$(last_stat "$log")"
  execs="$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$stat")"
  cov="$(field cov "$stat")"
  ft="$(field ft "$stat")"
  crashes=$(( $(find "$FUZZ/artifacts/$t" -type f | wc -l) - before ))
  # Fork mode does not print the workers' panics: replay the new inputs (up to 20) for them.
  : > "$WORK/logs/$t.crashes"
  find "$FUZZ/artifacts/$t" -type f -newer "$WORK/logs/$t.start" | head -20 | while read -r a; do
    [ "$(time_left 60)" -ge 5 ] || break
    timeout "$(time_left 60)" "$bin" -rss_limit_mb=2560 "$a" 2>&1 \
      | grep -aA1 "panicked at" | grep -av "panicked at" | grep -av '^--$' | head -1 \
      | sed -e "s|$FUZZ/||g" -e "s|^|$(basename "$a"): |" >> "$WORK/logs/$t.crashes"
  done

  # Minimize: seeds stay; at most MAX_CORPUS of the smallest minimized inputs join them.
  rm -rf "$WORK/min/$t" && mkdir -p "$WORK/min/$t"
  timeout "$(time_left 300)" "$bin" -merge=1 -timeout=25 -rss_limit_mb=2560 -max_len=8192 \
    "$WORK/min/$t" "$FUZZ/corpus/$t" "$WORK/corpus/$t" >> "$log" 2>&1
  if [ -n "$(ls -A "$WORK/min/$t")" ]; then
    find "$FUZZ/corpus/$t" -type f ! -name 'seed-*' -delete
    ( cd "$WORK/min/$t" && ls -S -r | head -n "$MAX_CORPUS" ) | while read -r f; do
      sum="$(sha1sum < "$WORK/min/$t/$f" | cut -c1-40)"
      dup=0
      for s in "$FUZZ"/corpus/"$t"/seed-*; do
        [ -f "$s" ] && [ "$(sha1sum < "$s" | cut -c1-40)" = "$sum" ] && dup=1 && break
      done
      [ "$dup" = 1 ] || cp "$WORK/min/$t/$f" "$FUZZ/corpus/$t/$sum"
    done
  fi
  corp=$(find "$FUZZ/corpus/$t" -type f | wc -l)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n' "$t" "$secs" "${execs:-0}" "${cov:-0}" "${ft:-0}" \
    "$corp" "$crashes" >> "$RESULTS"
  echo "    executions ${execs:-?}, cov ${cov:-?}, ft ${ft:-?}, corpus $corp, crashes $crashes"
  write_summary
done
write_summary
echo "wrote $FUZZ/SUMMARY.md"
if awk -F'\t' '$7 > 0 { found = 1 } END { exit !found }' "$RESULTS"; then
  echo "crashes found: see SUMMARY.md and artifacts/" >&2
  exit 1
fi
exit 0
