#!/usr/bin/env bash
# The date-sensitive part of the suite, run once for each of the calendar's awkward moments, with the test
# clock (tests/clock.py) started there through EFTERVAERN_TEST_TODAY.
# Usage: tests/calendar-sweep.sh all              every moment below
#        tests/calendar-sweep.sh rotate N         N of them, chosen by today's day of the year (make test)
#        tests/calendar-sweep.sh 2026-02-28 ...   the moments given
# Extra pytest arguments may follow `--`. Exits non-zero if any moment fails, after running them all.
set -uo pipefail
cd "$(dirname "$0")/.."

# Month ends of 28, 29, 30 and 31 days, the turn of the year, both DST changes (10:00, and the hours
# around midnight when the Danish and the UTC date differ), a leap day, and today.
MOMENTS=(
  2026-01-01 2026-01-31 2026-02-28 2026-03-29 2026-03-29T00:30 2026-03-31 2026-05-15 2026-07-01
  2026-10-25 2026-10-25T23:30 2026-12-01 2026-12-31 2026-12-31T23:40 2028-02-29 2028-03-01
)
# Schedule, home page, indicators, hours, the 225-hour rule, review pages, calendar feed, sync and the
# browser's field day and visit flow: what reads today's date.
TESTS=(
  tests/unit/test_schedule.py tests/unit/test_indicators.py tests/unit/test_hours.py
  tests/unit/test_discipline.py tests/unit/test_calendar_feed.py tests/unit/test_formatting.py
  tests/unit/test_placement_services.py tests/unit/test_charts.py tests/unit/test_signature_rules.py
  tests/integration/test_home.py tests/integration/test_review.py tests/integration/test_placements.py
  tests/integration/test_calendar.py tests/integration/test_visit_pages.py tests/integration/test_sync_api.py
  tests/integration/test_jobs.py tests/integration/test_audit.py tests/integration/test_auth.py
  tests/integration/test_device_times.py tests/integration/test_hot_paths.py tests/e2e/test_field_day.py
  tests/e2e/test_visit_flow.py tests/e2e/test_layout_stability.py
  tests/unit/test_contact_indicators.py tests/unit/test_contact_services.py tests/integration/test_contacts.py
  tests/integration/test_hotline_and_feedback.py tests/e2e/test_contacts.py
)

PYTEST=${PYTEST:-.venv/bin/pytest}
chosen=()
case "${1:-all}" in
  all) chosen=("${MOMENTS[@]}"); shift || true ;;
  rotate)
    n=${2:?rotate needs a count}; shift 2
    # Rotating by the day of the year: over a few weeks of CI runs every moment comes round.
    start=$(( 10#$(date +%j) % ${#MOMENTS[@]} ))
    for ((i = 0; i < n; i++)); do chosen+=("${MOMENTS[$(( (start + i * ${#MOMENTS[@]} / n) % ${#MOMENTS[@]} ))]}"); done ;;
  *) while [ $# -gt 0 ] && [ "$1" != "--" ]; do chosen+=("$1"); shift; done ;;
esac
[ "${1:-}" = "--" ] && shift

failed=()
for moment in "${chosen[@]}"; do
  echo "=== The date-sensitive tests as if it were $moment ==="
  started=$SECONDS
  if EFTERVAERN_TEST_TODAY="$moment" "$PYTEST" -q "${TESTS[@]}" "$@"; then
    echo "--- $moment: passed in $((SECONDS - started)) s"
  else
    echo "--- $moment: FAILED"
    failed+=("$moment")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "The calendar sweep failed on: ${failed[*]}"
  exit 1
fi
echo "The calendar sweep passed on: ${chosen[*]}"
