#!/usr/bin/env bash
# Checks the translations of --explain (run by make check):
# - po/mailtap.pot has exactly the msgids xgettext finds in src/explain/
#   now (a row added or reworded without `make update-po` fails);
# - every po/<lang>.po has those msgids and no others, each translated,
#   none fuzzy (msgfmt --statistics says only "N translated messages").
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in xgettext msgfmt msgcmp; do
    command -v "$tool" >/dev/null || { echo "po-check: $tool not found (apt-get install gettext)" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "po-check: $*" >&2; fail=1; }

xgettext --language=C --from-code=UTF-8 --keyword=N_ --add-comments=TRANSLATORS: \
    --msgid-bugs-address="see README.md" -o "$tmp/now.pot" src/explain/*.c
# msgcmp DEF REF: every msgid of REF is in DEF (--use-untranslated: translated or not).
if ! msgcmp --use-untranslated po/mailtap.pot "$tmp/now.pot" 2>"$tmp/err" ||
   ! msgcmp --use-untranslated "$tmp/now.pot" po/mailtap.pot 2>>"$tmp/err"; then
    bad "po/mailtap.pot is not in sync with src/explain/ (run make update-po):"
    sed 's/^/    /' "$tmp/err" >&2
fi
n=$(grep -c '^msgid ' "$tmp/now.pot")
n=$((n - 1)) # the header
langs=0
for po in po/*.po; do
    langs=$((langs + 1))
    stats=$(LC_ALL=C msgfmt --check --statistics -o /dev/null "$po" 2>&1) || bad "$po: msgfmt --check failed: $stats"
    case "$stats" in
        "$n translated messages.") ;;
        *) bad "$po: $stats (want $n translated messages, no fuzzy or untranslated)" ;;
    esac
    if ! msgcmp "$po" "$tmp/now.pot" 2>"$tmp/err"; then
        bad "$po: msgids of src/explain/ missing or untranslated:"
        sed 's/^/    /' "$tmp/err" >&2
    fi
    if ! msgcmp --use-untranslated "$tmp/now.pot" "$po" 2>"$tmp/err"; then
        bad "$po: msgids no longer in src/explain/ (run make update-po):"
        sed 's/^/    /' "$tmp/err" >&2
    fi
    if grep -q '^#~' "$po"; then
        bad "$po: has obsolete (#~) entries; remove them"
    fi
done
[ "$langs" -ge 3 ] || bad "only $langs catalogues in po/ (pt_BR, es and fr expected)"
[ $fail = 0 ] && echo "po-check: $langs catalogues, $n messages each, all translated"
exit $fail
