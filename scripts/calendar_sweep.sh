#!/usr/bin/env bash
# Run tests with the machine's clock moved to a date in every month and to the calendar's edges
# (New Year and month ends in Paris while UTC is still on the day before, both DST changes, a
# leap day), to find tests and code that only pass on some dates. Needs Debian's `faketime`.
#   scripts/calendar_sweep.sh                      the date-sensitive directories
#   scripts/calendar_sweep.sh tests/e2e/test_x.py  chosen tests
# Prints one line per date: PASS or FAIL with the failing tests; logs in var/calendar-sweep/.
set -uo pipefail
cd "$(dirname "$0")/.."
command -v faketime >/dev/null || { echo "apt-get install faketime" >&2; exit 2; }
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(tests/checkins tests/mairie tests/gazette/test_events_and_carpool.py tests/verification
                                     tests/lib tests/e2e/test_mairie_dashboard.py tests/e2e/test_french_words.py
                                     tests/e2e/test_community_checkins.py)
# VIGIE_SWEEP_DATES="2027-02-15 10:00:00;2027-08-15 10:00:00" picks dates (UTC, ';'-separated).
dates=()
if [ -n "${VIGIE_SWEEP_DATES:-}" ]; then IFS=';' read -r -a dates <<<"$VIGIE_SWEEP_DATES"; else
for month in 01 02 03 04 05 06 07 08 09 10 11 12; do dates+=("2027-$month-15 10:00:00"); done
dates+=("2026-12-31 23:30:00" "2027-02-28 23:30:00" "2027-03-28 00:30:00" "2027-10-31 00:30:00"
        "2028-02-29 12:00:00" "2027-01-03 23:10:00"); fi
logs=var/calendar-sweep; mkdir -p "$logs"
status=0
for when in "${dates[@]}"; do
  log="$logs/$(echo "$when" | tr ' :' '__').log"
  if faketime -f "@$when" .venv/bin/python -m pytest -q -p no:randomly "${targets[@]}" >"$log" 2>&1; then
    echo "PASS $when UTC"
  else
    status=1
    echo "FAIL $when UTC: $(grep -E '^(FAILED|ERROR) ' "$log" | cut -d' ' -f2 | tr '\n' ' ')"
  fi
done
exit $status
