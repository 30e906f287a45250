#!/usr/bin/env bash
# The docs are true to the code, checked on every run of the test command:
#   - the README's command table is `ocsfed --help`: each command line of the help is a
#     row, spelled the same, and each row is a command of this build; a row marked
#     "(Windows)" is a command of the Windows build only;
#   - every path of this repository that the README or docs/ name in backquotes exists.
#   check-docs.sh SOURCE_ROOT OCSFED [RUNNER]
# RUNNER is "$WINE" under scripts/wine-run.sh --shell (the Windows build), or nothing.
set -u
root=$1 ocsfed=$2 runner=${3:-}
fails=0
bad() { echo "docs: $*"; fails=$((fails + 1)); }

help=$(${runner:+"$runner"} "$ocsfed" --help 2>&1 | tr -d '\r') || { bad "ocsfed --help failed"; help=; }
help_lines=$(printf '%s\n' "$help" | sed -n 's/^  \(ocsfed .*\)$/\1/p')
[ -n "$help_lines" ] || bad "ocsfed --help lists no command"

# The table's first column, without its backquotes and with \| as |; "(Windows)" kept
# as a tag after a tab.
rows=$(awk '/^## Commands/ { on = 1; next } /^## / { on = 0 } on && /^\| `ocsfed / { print }' "$root/README.md" |
  sed -E 's/^\| `([^`]*)`( \(Windows\))? \|.*$/\1\t\2/; s/\\\|/|/g')
[ -n "$rows" ] || bad "README.md has no command table under '## Commands'"

windows=0
case "$ocsfed" in *.exe) windows=1 ;; esac
while IFS=$'\t' read -r cmd tag; do
  [ -n "$cmd" ] || continue
  if printf '%s\n' "$help_lines" | grep -qxF -- "$cmd"; then
    [ -n "$tag" ] && [ $windows = 0 ] && bad "README marks '$cmd' Windows only, but the native build has it"
  elif [ -n "$tag" ] && [ $windows = 0 ]; then
    : # a Windows command, checked by the Windows build's run
  else
    bad "README.md lists '$cmd', which ocsfed --help does not"
  fi
done <<<"$rows"
while IFS= read -r line; do
  [ -n "$line" ] || continue
  printf '%s\n' "$rows" | cut -f1 | grep -qxF -- "$line" || bad "ocsfed --help has '$line', which README.md's table does not"
done <<<"$help_lines"

# Paths named in the docs: a backquoted word starting with one of the repository's
# folders (globs and placeholders such as <key> are skipped).
cd "$root" || exit 2
folders='agent|bench|certstore|cmake|docs|examples|fuzz|packaging|posix|schema|scripts|tests|win|wmi|\.ci'
for doc in README.md docs/*.md; do
  while IFS= read -r p; do
    case "$p" in *'<'* | *'...'* | *'$'*) continue ;; esac
    p=${p%%:*}
    # A glob (agent/trust.[ch], agent/fsutil*.c) must match something.
    compgen -G "$p" >/dev/null || bad "$doc names $p, which does not exist"
  done < <(grep -oE "\`($folders)/[][A-Za-z0-9_./<>*\$-]*" "$doc" | sed 's/^`//; s/[.,]$//' | sort -u)
done

if [ $fails -eq 0 ]; then echo "docs: ok"; else echo "docs: $fails problem(s)"; fi
[ $fails -eq 0 ]
