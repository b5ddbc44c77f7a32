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
shot dashboard.png "$base/" 900
shot docs.png "$base/docs" 1100
shot run.png "$base/runs/1" 2000
# A version's monitoring once outcomes arrive (simulated labels for 400 click predictions).
if [ -n "${MODELSERVE_ADMIN_TOKEN:-}" ]; then
    python3 scripts/simulate-feedback.py "$base" "$MODELSERVE_ADMIN_TOKEN"
    shot monitoring.png "$base/models/1/monitoring" 900
fi
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
