#!/usr/bin/env bash
# The project's test command (README.rst, .ci/run, docker "tests" service).
#  1. the pure chorus_pro suite (pytest), always;
#  2. the Odoo add-on suite, when python3 can import odoo: a fresh PostgreSQL database and a throw-away
#     Odoo data directory (its filestore), the add-on installed with Odoo's Peppol (account_peppol, when
#     phonenumbers is importable) and --test-enable, every test tagged for
#     l10n_fr_chorus_btp(_sale), then both are removed, wherever Odoo's own data directory is (/var/lib/odoo
#     in the docker image, ~/.local/share/Odoo elsewhere): that one is never written to.
# Test dependencies: pip install -e '.[test]' (setup.py, TEST_REQUIREMENTS).
# Database connection: PGHOST (127.0.0.1), PGPORT (5432), PGUSER (current user), PGPASSWORD.
# Extra Odoo options can be passed in ODOO_TEST_ARGS; ODOO_BIN overrides the odoo-bin path.
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
py=${PYTHON:-python3}
export PYTHONPATH="$repo${PYTHONPATH:+:$PYTHONPATH}"
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-$(id -un)}
summary=()
failed=0

echo "=== chorus_pro suite (pytest) ==="
pure_log=$(mktemp)
$py -m pytest "$repo/tests" -q -p no:cacheprovider -rs 2>&1 | tee "$pure_log"
rc=${PIPESTATUS[0]}
pure_line=$(grep -E '^=*\s*[0-9]+ (passed|failed)' "$pure_log" | tail -n 1 | sed -E 's/=//g; s/^ +| +$//g')
if [ "$rc" -ne 0 ]; then failed=1; fi
total_passed=$(echo "$pure_line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || echo 0)
total_failed=$(( $(echo "$pure_line" | grep -oE '[0-9]+ (failed|error)' | grep -oE '[0-9]+' | paste -sd+ - | sed 's/^$/0/') ))
summary+=("chorus_pro suite: ${pure_line:-no result} (pytest exit $rc)")
rm -f "$pure_log"

ensure_postgres() {
    command -v pg_isready >/dev/null 2>&1 || return 0
    pg_isready -q && return 0
    if [ "$PGHOST" = "127.0.0.1" ] || [ "$PGHOST" = "localhost" ]; then
        echo "PostgreSQL is not answering on $PGHOST:$PGPORT: starting the local cluster"
        if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
            pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
        fi
        for _ in $(seq 1 30); do pg_isready -q && return 0; sleep 1; done
    fi
    pg_isready
}

# run_odoo LABEL DB_PREFIX MODULES TEST_TAGS [odoo-bin options…]: a fresh database and data directory, the
# modules installed with their tests, the counts added to the totals, both removed afterwards
run_odoo() {
    local label=$1 db="$2_$(date +%s)_$$" modules=$3 tags=$4
    shift 4
    local odoo_data odoo_log rc counts ran nfail nerr bad
    odoo_data=$(mktemp -d)
    odoo_log=$(mktemp)
    # shellcheck disable=SC2086
    $py "$odoo_bin" -d "$db" "${db_args[@]}" --addons-path "$addons" --data-dir "$odoo_data" "$@" \
        -i "$modules" --test-tags "$tags" --stop-after-init \
        --http-port "${ODOO_TEST_HTTP_PORT:-8079}" --log-level info ${ODOO_TEST_ARGS:-} 2>&1 | tee "$odoo_log"
    rc=${PIPESTATUS[0]}
    counts=$(grep -oE '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests' "$odoo_log" | tail -n 1)
    dropdb --if-exists "$db" >/dev/null 2>&1 || true
    rm -rf "$odoo_data"
    ran=$(echo "$counts" | sed -E 's/.* of ([0-9]+) tests/\1/')
    nfail=$(echo "$counts" | sed -E 's/^([0-9]+) failed.*/\1/'); nerr=$(echo "$counts" | sed -E 's/.*, ([0-9]+) error.*/\1/')
    bad=$(( ${nfail:-0} + ${nerr:-0} ))
    if [ -z "$counts" ] || [ "${ran:-0}" -eq 0 ]; then
        failed=1
        summary+=("$label: no test result found (odoo-bin exit $rc)")
    else
        if [ "$rc" -ne 0 ] || [ "$bad" -ne 0 ]; then failed=1; fi
        total_passed=$(( ${total_passed:-0} + ran - bad )); total_failed=$(( total_failed + bad ))
        summary+=("$label: $((ran - bad)) passed, $bad failed of $ran tests (odoo-bin exit $rc)")
    fi
    if grep -qE 'CRITICAL|Failed to initialize database' "$odoo_log"; then
        failed=1
        summary+=("$label: critical errors in the log")
    fi
    rm -f "$odoo_log"
}

if $py -c "import odoo" >/dev/null 2>&1; then
    echo "=== l10n_fr_chorus_btp suite (Odoo) ==="
    odoo_root=$($py -c "import odoo, os; print(os.path.dirname(list(odoo.__path__)[0]))")
    odoo_bin=${ODOO_BIN:-$odoo_root/odoo-bin}
    if [ ! -f "$odoo_bin" ]; then odoo_bin=$(command -v odoo-bin || true); fi
    addons="$repo"
    for d in "$odoo_root/addons" "$odoo_root/odoo/addons"; do [ -d "$d" ] && addons="$d,$addons"; done
    ensure_postgres
    db_args=(--db_host "$PGHOST" --db_port "$PGPORT" --db_user "$PGUSER")
    [ -n "${PGPASSWORD:-}" ] && db_args+=(--db_password "$PGPASSWORD")
    # Odoo's Peppol too (it needs phonenumbers, in the test extra): an invoice must take one route only
    modules=l10n_fr_chorus_btp,l10n_fr_chorus_btp_sale
    if $py -c "import phonenumbers" >/dev/null 2>&1; then
        modules="$modules,account_peppol"
    else
        echo "phonenumbers is missing (pip install -e '.[test]'): the Peppol route tests are skipped"
    fi
    run_odoo "Odoo suite" chorus_btp_test "$modules" /l10n_fr_chorus_btp,/l10n_fr_chorus_btp_sale

    # the demo database as a prospect opens it: installed --with-demo, its own test class run there
    echo "=== l10n_fr_chorus_btp demo data (Odoo, --with-demo) ==="
    run_odoo "Odoo demo data" chorus_btp_demo l10n_fr_chorus_btp /l10n_fr_chorus_btp:TestDemoData --with-demo
else
    summary+=("Odoo suite: skipped (python3 cannot import odoo)")
fi

echo
echo "=== summary ==="
printf '%s\n' "${summary[@]}"
echo "total: ${total_passed:-0} passed, ${total_failed:-0} failed"
exit "$failed"
