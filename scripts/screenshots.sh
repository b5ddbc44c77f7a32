#!/usr/bin/env bash
# Screenshots for SOLUTION.md: the dashboard and the API docs of a running server, and the
# playbook transcript rendered as a page. Headless Chromium from Debian's packages.
#
#   scripts/screenshots.sh BASE_URL        (a server started by scripts/demo.sh; with
#                                           MODELSERVE_ADMIN_TOKEN set, also the monitoring page)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
base=${1:?usage: scripts/screenshots.sh BASE_URL}
ensure_packages chromium
out=docs/screenshots
mkdir -p "$out"
shot() {  # file url [height]
    chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,"${3:-900}" --virtual-time-budget=5000 \
        --screenshot="$out/$1" "$2" >/dev/null 2>&1
    echo "wrote $out/$1"
}
# With the admin token: a 90/10 canary split of click's two versions, then simulated
# outcomes for 400 click predictions, so the dashboard shows traffic and the canary and
# the monitoring page live quality.
if [ -n "${MODELSERVE_ADMIN_TOKEN:-}" ]; then
    curl -sf -X POST -H "Authorization: Bearer $MODELSERVE_ADMIN_TOKEN" -H 'Content-Type: application/json' \
        -d '{"name": "click", "split": {"1": 0.9, "2": 0.1}}' "$base/models/traffic" >/dev/null
    python3 scripts/simulate-feedback.py "$base" "$MODELSERVE_ADMIN_TOKEN"
    sleep 2  # request_minutes is flushed every second
    shot monitoring.png "$base/models/1/monitoring" 1250
fi
shot dashboard.png "$base/" 1100
shot docs.png "$base/docs" 1100
shot run.png "$base/runs/1" 2000
# The model card of diamonds' production version and the profile of the raw file.
card_id=$(curl -sf "$base/models/current?name=diamonds" | grep -o '"id":[0-9]*' | head -n 1 | cut -d: -f2)
shot card.png "$base/models/$card_id" 2600
profile_id=$(curl -sf -X POST -H "Authorization: Bearer ${MODELSERVE_ADMIN_TOKEN:-}" -H 'Content-Type: application/json' \
    -d '{"query": "SELECT * FROM diamonds_raw", "target": "price"}' "$base/profiles" | grep -o '"id":[0-9]*' | head -n 1 | cut -d: -f2 || true)
if [ -n "$profile_id" ]; then shot profile.png "$base/profiles/$profile_id" 2700; fi
# The playbook transcript, as simple HTML.
page=$(mktemp --suffix=.html)
{
    echo '<!doctype html><meta charset=utf-8><style>body{font:14px/1.4 system-ui;margin:1.5rem;max-width:74rem}'
    echo 'pre{background:#f6f6f6;padding:.5rem;white-space:pre-wrap}</style><pre>'
    sed -n '1,120{s/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; p}' playbook/transcript.md
    echo '</pre>'
} > "$page"
shot playbook.png "file://$page" 1400
rm -f "$page"
