#!/usr/bin/env bash
# Valgrind memcheck over the portable core: every test_* program of a native build tree
# and every ocsfed command its ctest runs (validate and plan of the examples), with the
# arguments ctest gives them (those run under tests/peers/with_peers.sh with the probe's
# peers around them). Any memory error, or any leak (definite, indirect or
# possible), fails the run.
#   scripts/memcheck.sh BUILD_DIR
# Registered as native.memcheck in the native tree (tests/CMakeLists.txt); not for the
# ASan tree (the sanitizer and Valgrind do not mix) nor the Windows one.
#   OCSFED_MEMCHECK_JOBS  programs run at once (default: the number of CPUs)
#   OCSFED_MEMCHECK_SKIP  programs left out, by name (default: none).
#   Test certificates get 1024-bit keys here (OCSFED_TESTCERT_BITS): RSA-2048 key
#   generation under Valgrind took test_check 3 to 7 minutes on its own.
# Each program runs in a private scratch folder: the tests write their scratch files to
# the current directory, and ctest may run the same tests beside this one.
set -uo pipefail
build=${1:?usage: memcheck.sh BUILD_DIR}
build=$(cd "$build" && pwd) || exit 2
command -v valgrind >/dev/null || { echo "memcheck: valgrind not found" >&2; exit 2; }
jobs=${OCSFED_MEMCHECK_JOBS:-$(nproc 2>/dev/null || echo 2)}
scratch=$(mktemp -d "${TMPDIR:-/tmp}/ocsfed-memcheck.XXXXXX") || exit 2
trap 'rm -rf "$scratch"' EXIT
# Stopped (ctest's timeout, ^C): stop the programs under way too, then clean up.
trap 'kill $(jobs -p) 2>/dev/null; exit 143' TERM INT
# The bad-input catalogue's cases that write tens of megabytes only cost time here:
# what they exercise (a size check before parsing) the smaller cases cover.
export OCSFED_BADINPUT_SKIP_BIG=1
# RSA-2048 key generation (tests/testcert.c) is slow under Valgrind; 1024-bit keys run
# the same code paths.
export OCSFED_TESTCERT_BITS=1024

# "N: Test command: /path/prog "arg" "arg"..." for every test of the tree.
mapfile -t cmds < <(ctest --test-dir "$build" -N -V 2>/dev/null \
  | sed -n 's/^[0-9]*: Test command: //p')
skip=${OCSFED_MEMCHECK_SKIP-}
n=0
for c in "${cmds[@]}"; do
  prog=${c%% *}
  # A test that needs the probe's peers runs under tests/peers/with_peers.sh WORK PROG
  # ARGS: valgrind goes in front of PROG, the peers around it.
  case $c in *'with_peers.sh" '*) prog=$(printf '%s\n' "$c" | xargs -n 1 printf '%s\n' | sed -n 4p) ;; esac
  case $(basename "$prog") in test_*|ocsfed) ;; *) continue ;; esac
  case " $skip " in
    *" $(basename "$prog") "*) echo "memcheck: skip $c (OCSFED_MEMCHECK_SKIP)"; continue ;;
  esac
  n=$((n + 1))
  printf '%s\n' "$c" >"$scratch/cmd.$n"
done
[ "$n" -gt 0 ] || { echo "memcheck: no test programs in $build (built?)" >&2; exit 2; }

# Runs command number $1 under valgrind in its own folder; its log goes to log.$1.
one() {
  local i=$1 args dir=$scratch/run.$1 t=$(date +%s)
  mkdir -p "$dir"
  # ctest quotes every argument ("..."); xargs undoes exactly that quoting.
  mapfile -t args < <(xargs -n 1 printf '%s\n' <"$scratch/cmd.$i")
  local peers=()
  case ${args[1]:-} in */with_peers.sh) peers=("${args[0]}" "${args[1]}" "$dir/peers"); args=("${args[@]:3}") ;; esac
  (cd "$dir" && "${peers[@]}" valgrind -q --error-exitcode=99 --leak-check=full \
     --errors-for-leak-kinds=definite,indirect,possible \
     --show-leak-kinds=definite,indirect,possible \
     --log-file="$scratch/vg.$i" "${args[@]}") >"$scratch/log.$i" 2>&1
  echo $? >"$scratch/rc.$i"
  echo $(( $(date +%s) - t )) >"$scratch/time.$i"
}

# Longest first, so the slowest program (test_check: RSA key generation is slow under
# Valgrind) starts at once and the others share the remaining CPUs. The times of the
# last run, kept in the build tree, give the order; the first run guesses.
times=$build/memcheck-times.txt
cost() { # command -> seconds
  local t
  t=$(awk -F '\t' -v c="$1" '$2 == c { print $1 }' "$times" 2>/dev/null | head -n 1)
  if [ -n "$t" ]; then echo "$t"; return; fi
  case $(basename "${1%% *}") in
    test_check) echo 150 ;; test_trust | test_intake) echo 40 ;; test_*) echo 5 ;; *) echo 1 ;;
  esac
}
order=$(for i in $(seq 1 "$n"); do echo "$(cost "$(cat "$scratch/cmd.$i")") $i"; done \
  | sort -k1,1nr | cut -d ' ' -f 2)

t0=$(date +%s)
for i in $order; do
  one "$i" &
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
done
wait
for i in $(seq 1 "$n"); do
  printf '%s\t%s\n' "$(cat "$scratch/time.$i")" "$(cat "$scratch/cmd.$i")"
done >"$times.tmp" && mv "$times.tmp" "$times"

fail=0
for i in $(seq 1 "$n"); do
  rc=$(cat "$scratch/rc.$i")
  what=$(cat "$scratch/cmd.$i")
  # 99: valgrind found an error or a leak. Other non-zero statuses are the programs'
  # own (ocsfed validate of a bad manifest exits 1, plan with changes 2): ctest checks
  # those; here only valgrind's verdict counts.
  if [ "$rc" = 99 ] || [ -s "$scratch/vg.$i" ]; then
    echo "memcheck: FAIL $what"
    cat "$scratch/vg.$i"
    tail -n 20 "$scratch/log.$i"
    fail=1
  elif [ "$rc" != 0 ] && case $(basename "${what%% *}") in test_*) true ;; *) false ;; esac; then
    # A test that fails only under valgrind (slower, other allocator) is worth seeing.
    echo "memcheck: FAIL (exit $rc under valgrind) $what"
    tail -n 40 "$scratch/log.$i"
    fail=1
  else
    echo "memcheck: ok   $(cat "$scratch/time.$i") s  $what"
  fi
done
echo "memcheck: $n programs in $(( $(date +%s) - t0 )) s: $([ $fail = 0 ] && echo 'no errors, no leaks' || echo FAILED)"
exit $fail
