#!/usr/bin/env bash
# HTML: the reconciliation report rendered by a real browser. Reconciles the fixture in
# tests/html (an AD CSV and a Get-Mailbox JSON with differences, objects on one side only and a
# hostile value) with the reconcile example, loads report.html in headless Chromium (Debian's
# chromium), saves a screenshot as a test artifact (target/test-artifacts/reconcile-report.png)
# and checks the rendered page: the totals shown, one row per difference, the page's own script
# ran, the hostile value stayed text. The checks are tests/html/check_render.py.
source "$(dirname "$0")/common.sh"

need_deb chromium chromium
need_deb python3 python3

OUT="$ROOT/target/test-artifacts"
WORK="$ROOT/target/html-report"
rm -rf "$WORK"
mkdir -p "$OUT" "$WORK"
WIDTH=1280
HEIGHT=1000

cargo run --release -q -p soa-core --example reconcile -- \
  tests/html/ad.csv tests/html/mailboxes.json "$WORK" \
  || die "the reconcile example failed on the fixture in tests/html"
[ -s "$WORK/report.html" ] || die "the reconcile example wrote no report.html"

# Chromium runs as root in CI containers, hence --no-sandbox; no GPU, no user profile left over.
CHROMIUM=(chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run
  --user-data-dir="$WORK/profile" --window-size="$WIDTH,$HEIGHT")
URL="file://$WORK/report.html"
timeout 120 "${CHROMIUM[@]}" --screenshot="$OUT/reconcile-report.png" "$URL" \
  > "$WORK/chromium-screenshot.log" 2>&1 \
  || { cat "$WORK/chromium-screenshot.log"; die "chromium could not take the screenshot"; }
timeout 120 "${CHROMIUM[@]}" --dump-dom "$URL" > "$WORK/dom.html" 2> "$WORK/chromium-dom.log" \
  || { cat "$WORK/chromium-dom.log"; die "chromium could not render the page"; }
[ -s "$WORK/dom.html" ] || die "chromium rendered an empty page"
cp "$WORK/report.html" "$OUT/reconcile-report.html"

log="$SOA_LOG_DIR/html.log"
python3 tests/html/check_render.py "$WORK/report.json" "$WORK/dom.html" \
  "$OUT/reconcile-report.png" "$WIDTH" "$HEIGHT" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
summary=$(grep -E '^html: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
[ -n "$summary" ] || { record html 0 1 "(the render check crashed)"; die "check_render.py printed no summary"; }
passed=$(echo "$summary" | awk '{print $2}')
failed=$(echo "$summary" | awk '{print $4}')
record html "$passed" "$failed" "(screenshot: target/test-artifacts/reconcile-report.png)"
[ "$status" -eq 0 ] || die "the rendered report failed its checks"
echo "screenshot saved: target/test-artifacts/reconcile-report.png"
