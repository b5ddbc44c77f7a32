#!/usr/bin/env bash
# The request playbook: calls every endpoint of a running modelserve, good requests and bad,
# records each request and response in a new transcript under playbook/runs/, and exits
# non-zero on any unexpected status — so it is also a smoke test.
#
#   playbook/run.sh [--record] [BASE_URL]   (default http://127.0.0.1:8080)
#   --record                 write the committed example, playbook/transcript.md, instead
#   MODELSERVE_ADMIN_TOKEN   the server's admin token (for assign / rollback)
#   PLAYBOOK_MODEL           the model name to exercise (default: click)
#   PLAYBOOK_TRANSCRIPT      where to write the transcript (overrides both)
#
# Needs bash and curl; uses jq to pretty-print when it is installed.
set -uo pipefail
record=false
if [ "${1:-}" = "--record" ]; then record=true; shift; fi
base=${1:-http://127.0.0.1:8080}
base=${base%/}
model=${PLAYBOOK_MODEL:-click}
token=${MODELSERVE_ADMIN_TOKEN:-}
if [ -n "${PLAYBOOK_TRANSCRIPT:-}" ]; then
    transcript=$PLAYBOOK_TRANSCRIPT
elif $record; then
    transcript="$(dirname "$0")/transcript.md"
else
    mkdir -p "$(dirname "$0")/runs"
    transcript="$(dirname "$0")/runs/transcript-$(date -u +%Y%m%d-%H%M%S)-$$.md"
fi
failures=0
count=0
step=0
body_file=$(mktemp)
trap 'rm -f "$body_file"' EXIT

pretty() {
    if command -v jq >/dev/null 2>&1 && jq . >/dev/null 2>&1 <<<"$1"; then jq . <<<"$1"; else printf '%s\n' "$1"; fi
}

# call TITLE EXPECTED_STATUS METHOD PATH [BODY] [AUTH]   -> sets $response and $status
call() {
    local title=$1 expected=$2 method=$3 path=$4 data=${5:-} auth=${6:-}
    local args=(-s -o "$body_file" -w '%{http_code} %{time_total}' -X "$method" "$base$path")
    [ -n "$data" ] && args+=(-H 'Content-Type: application/json' --data-binary "$data")
    [ -n "$auth" ] && args+=(-H "Authorization: Bearer $auth")
    local result
    result=$(curl "${args[@]}") || result="000 0"
    status=${result%% *}
    local seconds=${result##* }
    response=$(cat "$body_file")
    count=$((count + 1))
    step=$((step + 1))
    local ms
    ms=$(awk -v s="$seconds" 'BEGIN { printf "%.1f", s * 1000 }')
    local mark="ok"
    if [ "$status" != "$expected" ]; then
        mark="UNEXPECTED (wanted $expected)"
        failures=$((failures + 1))
    fi
    printf '%-3s %-52s %s %s  %s ms  %s\n' "$step." "$title" "$method" "$path" "$ms" "$status $mark" >&2
    {
        printf '## %d. %s\n\n`%s %s` → **%s** in %s ms%s\n\n' "$step" "$title" "$method" "$path" "$status" "$ms" \
            "$([ "$mark" = ok ] || printf ' — %s' "$mark")"
        [ -n "$auth" ] && printf 'with `Authorization: Bearer …`\n\n'
        if [ -n "$data" ]; then printf 'Request:\n\n```json\n%s\n```\n\n' "$(pretty "$data")"; fi
        if [ "${#response}" -gt 1500 ]; then
            printf 'Response (first 1500 of %d bytes):\n\n```\n%s\n```\n\n' "${#response}" "${response:0:1500}"
        else
            printf 'Response:\n\n```json\n%s\n```\n\n' "$(pretty "$response")"
        fi
    } >> "$transcript"
}

# Pulls a JSON field's raw value out of compact JSON (no jq needed).
field() { grep -o "\"$2\":[^,}]*" <<<"$1" | head -n 1 | cut -d: -f2- | tr -d '"'; }

random_number() { printf '%d.%02d' $((RANDOM % 100)) $((RANDOM % 100)); }

{
    printf '# modelserve request playbook\n\n'
    printf 'Recorded by `playbook/run.sh %s` against model `%s`. Each step shows the request, the status, the\n' "$base" "$model"
    printf 'latency measured by curl and the response body.\n\n'
} > "$transcript"

call "Liveness" 200 GET /health
call "The production model and its feature schema" 200 GET "/models/current?name=$model"
current=$response
current_id=$(field "$current" id)
numeric=$(grep -o '"numeric":\[[^]]*\]' <<<"$current" | grep -o '"[^"]*"' | tail -n +2 | tr -d '"')
categorical=$(grep -o '"categorical":\[[^]]*\]' <<<"$current" | grep -o '"[^"]*"' | tail -n +2 | tr -d '"')
call "One version in full: coefficients by feature" 200 GET "/models/$current_id"
levels=$(grep -o '"[A-Za-z0-9_]*=[^"]*":' <<<"$response" | tr -d '":')

# A random but valid row: numbers for numeric features, a known level for categorical ones.
row() {
    local parts=() name options
    for name in $numeric; do parts+=("\"$name\": $(random_number)"); done
    for name in $categorical; do
        mapfile -t options < <(grep "^$name=" <<<"$levels" | cut -d= -f2-)
        if [ "${#options[@]}" -gt 0 ]; then
            parts+=("\"$name\": \"${options[$((RANDOM % ${#options[@]}))]}\"")
        else
            parts+=("\"$name\": \"unknown\"")
        fi
    done
    local IFS=,
    printf '{%s}' "${parts[*]}"
}

call "Predict one row" 200 POST /predict "{\"model\": \"$model\", \"features\": $(row)}"
first_model=$(field "$response" model_id)
call "Predict a batch of five" 200 POST /predict \
    "{\"model\": \"$model\", \"instances\": [$(row), $(row), $(row), $(row), $(row)]}"
call "The registry's history with metrics" 200 GET "/models?name=$model"
other_id=$(grep -o '"id":[0-9]*' <<<"$response" | cut -d: -f2 | grep -vx "$current_id" | head -n 1)
if [ -n "$other_id" ]; then
    call "Assign another version to production (admin)" 200 POST /models/assign "{\"model_id\": $other_id}" "$token"
    call "Predict again: the answering model changed" 200 POST /predict "{\"model\": \"$model\", \"features\": $(row)}"
    if [ "$(field "$response" model_id)" = "$first_model" ]; then
        echo "    the answering model did not change after the assignment" >&2
        failures=$((failures + 1))
    fi
    call "The production model again" 200 GET "/models/current?name=$model"
    call "Roll back to the previous version (admin)" 200 POST /models/rollback "{\"name\": \"$model\"}" "$token"
else
    echo "    only one version of $model: skipping assign and rollback" >&2
fi
if [ "$model" = click ]; then
    call "Profile the training rows (admin)" 201 POST /profiles \
        '{"query": "SELECT o.apr, o.lender_id, l.requested, l.credit, l.annual_income FROM offers o JOIN leads l ON l.lead_uuid = o.lead_uuid", "target": "apr"}' "$token"
fi
call "Readiness" 200 GET /ready
call "Prometheus metrics" 200 GET /metrics

call "Bad: malformed JSON names the byte offset" 400 POST /predict '{"features": {"apr": 1,}}'
call "Bad: unknown and mistyped features, listed by name" 422 POST /predict \
    "{\"model\": \"$model\", \"features\": {\"colour\": \"red\", \"${numeric%%$'\n'*}\": \"lots\"}}"
call "Bad: assign without the admin token" 401 POST /models/assign "{\"model_id\": $current_id}"
call "Bad: assign with a wrong token" 403 POST /models/assign "{\"model_id\": $current_id}" "not-the-token"
call "Bad: an unknown model id" 404 GET /models/99999999
call "Bad: the wrong method" 405 GET /predict

printf '\n---\n%d requests, %d unexpected statuses.\n' "$count" "$failures" >> "$transcript"
echo "$count requests, $failures unexpected; transcript: $transcript" >&2
[ "$failures" -eq 0 ]
