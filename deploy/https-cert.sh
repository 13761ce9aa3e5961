#!/usr/bin/env bash
# A self-signed certificate for nginx's HTTPS (deploy/nginx.conf), to try the compose recipe:
#
#   deploy/https-cert.sh [HOST] [DIR]     # default localhost, deploy/https-tls; writes tls.crt and tls.key
#
# Browsers warn about a self-signed certificate (and ignore HSTS from it). For a real installation put the
# certificate chain and key of the public host name (e.g. from Let's Encrypt) at DIR/tls.crt and DIR/tls.key instead.
#   HTTPS_CERT_DAYS   validity in days (default 90)
set -euo pipefail
host="${1:-localhost}"
dir="${2:-$(dirname "$0")/https-tls}"
days="${HTTPS_CERT_DAYS:-90}"
command -v openssl >/dev/null || { echo "https-cert: openssl is needed (Debian: apt-get install openssl)" >&2; exit 1; }
mkdir -p "$dir"
umask 077
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days "$days" \
  -subj "/CN=$host" -addext "subjectAltName=DNS:$host" \
  -keyout "$dir/tls.key.tmp" -out "$dir/tls.crt.tmp" 2>/dev/null
mv "$dir/tls.key.tmp" "$dir/tls.key" && mv "$dir/tls.crt.tmp" "$dir/tls.crt"
# nginx's workers read the key as root before dropping privileges; the files stay private to their owner.
echo "https-cert: $dir/tls.crt (self-signed for $host, $days days)"
