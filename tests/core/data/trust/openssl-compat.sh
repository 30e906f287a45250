#!/bin/sh
# Signatures made by the openssl command line verify with ocsfed, and ocsfed's verify
# with openssl: what an administrator may use to sign (docs/trust-and-reports.md).
# Usage: openssl-compat.sh OCSFED MANIFEST. Works in ./trust-openssl-compat.
set -eu
ocsfed=$1
src=$2
dir=trust-openssl-compat
rm -rf "$dir"
mkdir "$dir"
cd "$dir"
cp "$src" manifest.json
fail() { echo "FAIL: $*"; exit 1; }

openssl req -x509 -newkey rsa:2048 -nodes -keyout publisher.key -out publisher.pem \
    -subj "/CN=ocsfed manifest publisher" -days 30 2>/dev/null
tp=$(openssl x509 -in publisher.pem -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')

# 1. openssl cms -sign, DER, as docs/trust-and-reports.md says.
openssl cms -sign -binary -md sha256 -in manifest.json -signer publisher.pem \
    -inkey publisher.key -outform DER -out manifest.json.p7s
"$ocsfed" verify manifest.json --signer "$tp" | grep -q '^OK: ' || fail "openssl DER signature"

# 2. PEM form.
openssl cms -sign -binary -in manifest.json -signer publisher.pem -inkey publisher.key \
    -outform PEM -out pem.p7s
"$ocsfed" verify manifest.json --signer "$tp" --sig pem.p7s | grep -q '^OK: ' \
    || fail "openssl PEM signature"

# 3. ocsfed sign, verified by openssl.
"$ocsfed" sign manifest.json --key publisher.key --cert publisher.pem --out ocsfed.p7s >/dev/null
openssl cms -verify -binary -inform DER -content manifest.json -in ocsfed.p7s -noverify \
    -out /dev/null 2>/dev/null || fail "openssl cms -verify of ocsfed sign"

# 4. A changed manifest is refused, exit status 1.
printf ' ' >> manifest.json
set +e
out=$("$ocsfed" verify manifest.json --signer "$tp")
rc=$?
set -e
[ "$rc" = 1 ] || fail "tampered manifest: exit $rc"
echo "$out" | grep -q '^REFUSED (torn): the manifest does not match its signature' \
    || fail "tampered manifest: $out"

echo "openssl compat: 4 checks passed"
