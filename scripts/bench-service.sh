#!/usr/bin/env bash
# Inside scripts/wine-run.sh --shell: installs the MSI in apply mode against a folder
# standing in for the share and a simulated front end, publishes signed manifests and
# times each until the report on the share shows it applied; then leaves the service
# watching for a minute and reads its memory and CPU time.
#   bench-service.sh OCSFED_MSI OCSFED_EXE EXAMPLES
set -u
msi=$1 exe=$2 examples=$3
c="$WINEPREFIX/drive_c"
share="$c/share" stage="$c/stage" report="$c/share/reports/fe1.example.com.json"
idle=${OCSFED_BENCH_IDLE_SECONDS:-60}
mkdir -p "$share/certs" "$stage/certs"
cp "$examples/certs/"* "$share/certs/"
cp "$examples/certs/"* "$stage/certs/"
cp "$examples/nodes/fe1-enterprise.json" "$c/node.json"
/usr/lib/wine/wineserver -p
"$WINE" reg add 'HKCU\Software\Wine' /v Version /d win2008 /f >/dev/null 2>&1
"$WINE" reg add 'HKLM\System\CurrentControlSet\Control\ProductOptions' /v ProductType /d ServerNT /f >/dev/null 2>&1
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$stage/key.pem" -out "$stage/cert.pem" \
  -subj "/CN=ocsfed manifest publisher" -days 2 >/dev/null 2>&1
tp=$(openssl x509 -in "$stage/cert.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
"$WINE" msiexec /i "$(winepath -w "$msi")" /qn 'MANIFEST_PATH=C:\share' MODE=apply INTERVAL=3600 \
  "TRUSTED_SIGNER=$tp" 'NODE=sim:C:\node.json' >/dev/null 2>&1 || { echo "bench-service: install failed"; exit 1; }

times=()
for serial in 21 22 23 24 25; do
  sed "s/\"serial\": 12/\"serial\": $serial/" "$examples/tls-enterprise.json" >"$stage/manifest.json"
  "$WINE" "$exe" sign 'C:\stage\manifest.json' --key 'C:\stage\key.pem' --cert 'C:\stage\cert.pem' \
    --out 'C:\stage\manifest.json.p7s' >/dev/null 2>&1 || { echo "bench-service: sign failed"; exit 1; }
  t0=$(date +%s%N)
  mv "$stage/manifest.json.p7s" "$share/"
  mv "$stage/manifest.json" "$share/manifest.json"
  ms=
  for i in $(seq 600); do
    if grep -Eq "\"serial\":[[:space:]]*$serial," "$report" 2>/dev/null \
       && grep -Eq '"status":[[:space:]]*"(converged|pending_restart)"' "$report"; then
      ms=$(( ($(date +%s%N) - t0) / 1000000 )); break
    fi
    sleep 0.02
  done
  [ -n "$ms" ] || { echo "bench-service: serial $serial was not reported applied within 12 s"; exit 1; }
  times+=("$ms")
  echo "publish serial $serial -> applied report: $ms ms"
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
median=$(echo "$sorted" | sed -n 3p) max=$(echo "$sorted" | tail -n 1)
ok=no; [ "$max" -lt 2000 ] && ok=yes
echo "ROW|publish to applied report (Wine)|median $median ms, max $max ms (5 runs)|< 2000 ms|$ok"

# Idle: the service process, found by its command line, over a minute of watching.
pid=$(pgrep -f "^C:.*ocsfed\.exe service$" | head -n 1)
[ -n "$pid" ] || { echo "bench-service: the service process was not found"; exit 1; }
tick=$(getconf CLK_TCK)
cpu0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
sleep "$idle"
cpu1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
rss=$(awk '/VmRSS/ { print $2 }' "/proc/$pid/status")
cpu_ms=$(( (cpu1 - cpu0) * 1000 / tick ))
echo "idle ${idle} s: CPU ${cpu_ms} ms, resident ${rss} KiB (the Wine process, loader and DLLs included)"
ok=no; [ "$cpu_ms" -lt $((idle * 10)) ] && ok=yes   # < 1% of one core
echo "ROW|agent idle CPU, ${idle} s watching (Wine)|${cpu_ms} ms|< 1% of a core ($((idle * 10)) ms)|$ok"
ok=no; [ "$rss" -lt 65536 ] && ok=yes
echo "ROW|agent idle memory (Wine, RSS of the process)|$((rss / 1024)) MiB|< 64 MiB|$ok"
"$WINE" msiexec /x "$(winepath -w "$msi")" /qn >/dev/null 2>&1
exit 0
