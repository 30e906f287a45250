#!/usr/bin/env bash
# The fleet page of `ocsfed status --html` in a real browser: Debian's chromium, headless.
# A share with a manifest signed by a publisher made here (openssl), naming three front
# ends of a pool: fe1 converged, fe2 with changes applied and its Front End restart
# pending, fe3 without a report; plus hostile reports of servers the manifest does not
# name (markup in a change key, an error and the very file name). The page is loaded
# once to dump the DOM chromium built (every server's state in the rendered text, the
# hostile text as text, no script or img element, no Content-Security-Policy violation
# in the console: the page's own style is allowed by its hash and nothing tried to run),
# and once for a screenshot kept in the test's folder.
#   status_html_chromium.sh OCSFED WORKDIR
set -u
ocsfed=$1 work=$2/status_html_chromium
rm -rf "$work" && mkdir -p "$work/share/reports" || exit 2
fails=0
bad() { echo "FAIL $*"; fails=$((fails + 1)); }

chromium=$(command -v chromium) || {
  echo "FAIL chromium is missing: install it (apt-get install --no-install-recommends chromium; scripts/setup.sh does)"
  exit 1
}

# The publisher and the signed manifest.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=publisher -days 2 \
  -keyout "$work/publisher.key" -out "$work/publisher.pem" 2>/dev/null || { echo "FAIL openssl req"; exit 1; }
tp=$(openssl x509 -in "$work/publisher.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
cat >"$work/share/manifest.json" <<'EOF'
{
  "manifest_version": 1,
  "serial": 12,
  "imp": {"transport": "tcp", "domains": ["example.com"],
          "nodes": [{"fqdn": "imp1.example.com", "ip": "10.10.0.11"}]},
  "ocs": {"edition": "enterprise", "pool_fqdn": "pool.example.com",
          "servers": ["fe1.example.com", "fe2.example.com", "fe3.example.com"], "sip_domains": ["example.com"]},
  "maintenance_window": {"days": ["sat", "sun"], "start": "02:00", "end": "04:00", "timezone": "utc"}
}
EOF
"$ocsfed" sign "$work/share/manifest.json" --key "$work/publisher.key" --cert "$work/publisher.pem" >/dev/null ||
  { echo "FAIL ocsfed sign"; exit 1; }
sha=$(sha256sum "$work/share/manifest.json" | cut -d ' ' -f 1)
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# report FILE SERVER STATUS MODE CHANGES ERRORS RESTART_PENDING [MORE MEMBERS]
report() {
  cat >"$work/share/reports/$1" <<EOF
{"format": 1, "server": "$2", "agent_version": "0.1.0", "time": "$now", "mode": "$4", "status": "$3",
 "manifest": {"serial": 12, "sha256": "$sha"}, "summary": {"planned": 2, "applied": 2, "drift": 2},
 "changes": [$5], "errors": [$6], "restart_pending": $7, "refusal": null${8:+, $8}}
EOF
}
report fe1.example.com.json fe1.example.com converged apply "" "" false
report fe2.example.com.json fe2.example.com pending_restart apply \
  '{"action": "create", "class": "MSFT_SIPStaticRoutingSetting", "key": "sip:*@example.com", "rule": "R6", "applied": true},
   {"action": "restart", "class": "service", "key": "RTCSRV", "rule": "R19", "applied": false}' "" true \
  '"probe": {"passed": false, "tls": "openssl", "checks": [{"node": "imp1.example.com", "check": "tls",
   "result": "fail", "rule": "R13", "target": "10.10.0.11:5061", "cause": "untrusted",
   "message": "<script>alert(5)</script>"}]}'
hostile='<script>alert(1)</script><img src=x onerror=alert(2)>'
report intruder.example.com.json intruder.example.com drifting monitor \
  "{\"action\": \"create\", \"class\": \"MSFT_SIPStaticRoutingSetting\", \"key\": \"$hostile\", \"rule\": \"R6\", \"applied\": false}" \
  '{"message": "</li></ul><script>alert(3)</script>", "rule": "R6"}' false
evil='<img src=x onerror=alert(4)>'
report "$evil.json" "$evil" converged apply "" "" false

page=$work/page.html
"$ocsfed" status "$work/share" --signer "$tp" --html "$page" >"$work/status.txt" 2>&1
rc=$?
cat "$work/status.txt"
[ $rc -eq 1 ] || bad "ocsfed status exited $rc, not 1 (fe3 never reported)"
grep -q '^fe3.example.com  *no_report ' "$work/status.txt" || bad "the table does not name fe3 as no_report"
[ -s "$page" ] || { echo "FAIL no page written"; exit 1; }

# chromium on a 2-core machine shared with builds: give it time, once for each job.
run_chromium() {
  timeout 180 "$chromium" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
    --user-data-dir="$work/profile" --enable-logging=stderr --v=0 "$@" "file://$page"
}
run_chromium --dump-dom >"$work/dom.html" 2>"$work/chromium-dom.log"
rc=$?
[ $rc -eq 0 ] || bad "chromium --dump-dom exited $rc (log: $work/chromium-dom.log)"
[ -s "$work/dom.html" ] || bad "chromium dumped no DOM"

# What the browser built: tags and text. No element from the share.
grep -qi '<script' "$work/dom.html" && bad "the DOM has a script element"
grep -qi '<img' "$work/dom.html" && bad "the DOM has an img element"
grep -qi '<iframe\|<object\|<embed\|<link' "$work/dom.html" && bad "the DOM has an embedding element"
grep -q "Content Security Policy" "$work/chromium-dom.log" &&
  bad "chromium reports a Content-Security-Policy violation: $(grep -m1 'Content Security Policy' "$work/chromium-dom.log")"
grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;' "$work/dom.html" ||
  bad "the hostile change key is not shown as text"
grep -qF '&lt;/li&gt;&lt;/ul&gt;&lt;script&gt;alert(3)&lt;/script&gt;' "$work/dom.html" ||
  bad "the hostile error message is not shown as text"
grep -qF '&lt;img src=x onerror=alert(4)&gt;' "$work/dom.html" || bad "the hostile file name is not shown as text"
grep -qF '&lt;script&gt;alert(5)&lt;/script&gt;' "$work/dom.html" || bad "the hostile probe message is not shown as text"

# The rendered text, tags dropped and blanks squeezed: every server's state at a glance.
sed 's/<[^>]*>/ /g' "$work/dom.html" | tr -s ' \n' ' ' >"$work/text.txt"
for want in "verified manifest serial 12, signed by the pinned publisher $tp" \
  "fe1.example.com converged" "fe2.example.com pending restart" "fe3.example.com no report" \
  "intruder.example.com drifting" "Reports of servers not in the published manifest" \
  "Front End restart in its slot sat,sun 02:40-03:10 utc (slot 2 of 3 of the pool's window 02:00-04:00)" \
  "sip:*@example.com R6 applied" "RTCSRV R19 pending" "Exit status 1" \
  "probe: FAIL tls imp1.example.com 10.10.0.11:5061 [R13] untrusted"; do
  grep -qF -- "$want" "$work/text.txt" || bad "the rendered page lacks: $want"
done

shot=$work/status_html_chromium.png
run_chromium --screenshot="$shot" --window-size=1280,1000 >/dev/null 2>"$work/chromium-shot.log"
rc=$?
[ $rc -eq 0 ] || bad "chromium --screenshot exited $rc (log: $work/chromium-shot.log)"
if [ "$(head -c 8 "$shot" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] &&
  [ "$(stat -c %s "$shot")" -gt 10000 ]; then
  echo "screenshot: $shot"
else
  bad "no screenshot in $shot"
fi

rm -rf "$work/profile" # chromium's profile: tens of megabytes, nothing to look at

if [ $fails -eq 0 ]; then echo "status page in chromium: ok"; else echo "status page in chromium: $fails problem(s)"; fi
[ $fails -eq 0 ]
