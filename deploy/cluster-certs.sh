#!/usr/bin/env bash
# Makes the cluster's own certificate authority and a node certificate for mutual TLS between silos
# (Cluster:Tls, docs/decisions/0021-cluster-trust.md). Every node may use the same node certificate: a peer is trusted
# because the cluster's authority issued its certificate, not because of its name (pod addresses change).
#
#   deploy/cluster-certs.sh [DIR]     # default deploy/cluster-tls; writes ca.crt, ca.key, tls.crt, tls.key
#
# Keep ca.key offline (it issues new node certificates: run again with the same DIR to issue another, the authority
# is reused). Nodes need only ca.crt, tls.crt and tls.key (the names of a Kubernetes TLS secret).
#   CLUSTER_CERT_DAYS   validity of the certificates in days (default 825)
set -euo pipefail
dir="${1:-$(dirname "$0")/cluster-tls}"
days="${CLUSTER_CERT_DAYS:-825}"
command -v openssl >/dev/null || { echo "cluster-certs: openssl is needed (Debian: apt-get install openssl)" >&2; exit 1; }
umask 077
mkdir -p "$dir"
# The node's key is readable by every user below (tls.key 0644, for the node's mount): the folder alone keeps it private,
# whether this run made it or it was there before.
chmod 0700 "$dir"
cd "$dir"

if [[ ! -s ca.key || ! -s ca.crt ]]; then
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days "$days" \
    -subj "/CN=compreface-cluster-authority" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout ca.key.tmp -out ca.crt.tmp 2>/dev/null
  mv ca.key.tmp ca.key && mv ca.crt.tmp ca.crt
  echo "cluster-certs: new authority $dir/ca.crt"
fi

extensions="$(mktemp)"
trap 'rm -f "$extensions" tls.csr tls.key.tmp tls.crt.tmp' EXIT
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n' > "$extensions"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=compreface-node" \
  -keyout tls.key.tmp -out tls.csr 2>/dev/null
openssl x509 -req -sha256 -days "$days" -in tls.csr -CA ca.crt -CAkey ca.key -set_serial "0x$(openssl rand -hex 16)" \
  -extfile "$extensions" -out tls.crt.tmp 2>/dev/null
mv tls.key.tmp tls.key && mv tls.crt.tmp tls.crt
# The node runs as a non-root user (uid 1654 in the images) and must read its key through a read-only file mount;
# on the host the folder stays 0700, so only its owner reaches the key there. ca.key stays 0600.
chmod 0644 ca.crt tls.crt tls.key
echo "cluster-certs: node certificate $dir/tls.crt (key tls.key), valid $days days"
