#!/usr/bin/env bash
# A generic CI recipe: install the conformance suite, start the endpoint under test, certify
# it, and leave reports/ in the current directory for the CI system to keep.
#
#   CONFORMANCE_SUITE   what pip installs (a wheel file, a checkout, a git URL of the suite)
#   START_ENDPOINT      the shell command that starts the endpoint in the background
#   ENDPOINT            where it listens (default http://127.0.0.1:4566)
#   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY   the permitted identity
#   BASELINE, WAIVERS   optional: an earlier summary.json, the known deviations
#
# The exit status is the suite's: 0 conformant, 1 non-conformant (with BASELINE: a
# requirement got worse), 3 inconclusive, 4 not-run (summary.json says why).
set -euo pipefail
: "${CONFORMANCE_SUITE:?what pip installs}" "${START_ENDPOINT:?how the endpoint starts}"
ENDPOINT="${ENDPOINT:-http://127.0.0.1:4566}"

python3 -m venv .conformance-venv
.conformance-venv/bin/python -m pip install --quiet "$CONFORMANCE_SUITE"

bash -c "$START_ENDPOINT" > endpoint.log 2>&1 &
endpoint_pid=$!
trap 'kill "$endpoint_pid" 2>/dev/null || true' EXIT
for _ in $(seq 60); do
  curl -s -o /dev/null "$ENDPOINT" && break
  sleep 1
done

options=(--endpoint "$ENDPOINT" --hypothesis-profile ci)
[ -n "${BASELINE:-}" ] && options+=(--baseline "$BASELINE")
[ -n "${WAIVERS:-}" ] && options+=(--waivers "$WAIVERS")
.conformance-venv/bin/ec2-conformance "${options[@]}" "$@"
