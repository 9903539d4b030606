#!/usr/bin/env bash
# Keep the translation catalogues in followup/translations up to date.
#
#   scripts/translations.sh update   extract msgids to messages.pot, then merge them into every
#                                    catalogue (creates the Swedish one if it is missing)
#   scripts/translations.sh compile  compile the .po catalogues to .mo; fails on any error
#
# Runs pybabel from the active environment. Override with PYBABEL, for example
#   PYBABEL=".venv/bin/pybabel" scripts/translations.sh compile
#   PYBABEL="python -m babel.messages.frontend" scripts/translations.sh update
set -euo pipefail

cd "$(dirname "$0")/.."

TRANSLATIONS=followup/translations
POT="$TRANSLATIONS/messages.pot"
DEFAULT_LOCALE=sv

if [[ -n "${PYBABEL:-}" ]]; then
    read -r -a pybabel <<<"$PYBABEL"
elif command -v pybabel >/dev/null 2>&1; then
    pybabel=(pybabel)
else
    pybabel=("${PYTHON:-python3}" -m babel.messages.frontend)
fi

new=""
trap 'rm -f "$new"' EXIT

extract() {
    new="$(mktemp "${TMPDIR:-/tmp}/messages.XXXXXX.pot")"
    "${pybabel[@]}" -q extract \
        -F babel.cfg \
        -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
        --add-comments=Translators: \
        --sort-by-file \
        --project=followup \
        --copyright-holder="followup contributors" \
        -o "$new" \
        .
    # Keep the old file when only POT-Creation-Date changed, so the diff stays quiet.
    if [[ -f "$POT" ]] && diff -q \
        <(grep -v '^"POT-Creation-Date:' "$POT") \
        <(grep -v '^"POT-Creation-Date:' "$new") >/dev/null; then
        echo "$POT is unchanged"
    else
        cp "$new" "$POT"
        echo "wrote $POT"
    fi
}

update() {
    extract
    if [[ ! -f "$TRANSLATIONS/$DEFAULT_LOCALE/LC_MESSAGES/messages.po" ]]; then
        "${pybabel[@]}" init -i "$POT" -d "$TRANSLATIONS" -l "$DEFAULT_LOCALE"
    fi
    # Every catalogue under followup/translations (sv, and any language added later).
    "${pybabel[@]}" update -i "$POT" -d "$TRANSLATIONS" --ignore-pot-creation-date
    echo "Now translate new and fuzzy entries (#, fuzzy), then run: $0 compile"
}

compile() {
    # pybabel exits non-zero on format errors (e.g. a placeholder that differs from the msgid).
    "${pybabel[@]}" compile -d "$TRANSLATIONS" --statistics
    # pybabel skips a catalogue whose header is marked fuzzy and still exits 0: catch that.
    local po mo failed=0
    for po in "$TRANSLATIONS"/*/LC_MESSAGES/messages.po; do
        mo="${po%.po}.mo"
        if [[ ! -f "$mo" || "$po" -nt "$mo" ]]; then
            echo "error: $po was not compiled (is its header marked fuzzy?)" >&2
            failed=1
        fi
    done
    return "$failed"
}

case "${1:-}" in
    update) update ;;
    compile) compile ;;
    *)
        echo "usage: $0 update|compile" >&2
        exit 2
        ;;
esac
