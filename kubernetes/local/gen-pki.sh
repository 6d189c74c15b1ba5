#!/usr/bin/env bash
# Throwaway PKI for the local cluster: CA, kube-apiserver serving cert, admin client cert
# (group system:masters), service-account key pair, and admin.kubeconfig (from kubeconfig.yaml).
# usage: gen-pki.sh PKI_DIR NODE_IP FIRST_SERVICE_IP APISERVER_PORT
# Idempotent: does nothing once PKI_DIR/admin.kubeconfig exists.
set -euo pipefail

dir=${1:?pki dir}
node_ip=${2:?node ip}
svc_ip=${3:?first service ip}
port=${4:?apiserver port}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

mkdir -p "$dir"
cd "$dir"
[[ -f admin.kubeconfig ]] && exit 0
umask 077

sign() { # name subject extensions
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
  printf '%s\n' "$3" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" \
    -days 3650 -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr"
}

openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
  -subj "/CN=pgs-k8s-local-ca" 2>/dev/null
sign apiserver "/CN=kube-apiserver" "basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:$node_ip,IP:$svc_ip,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
sign admin "/O=system:masters/CN=kubernetes-admin" "basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
openssl genrsa -out sa.key 2048 2>/dev/null
openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null

sed -e "/^# Template/d" -e "s|@PORT@|$port|" \
  -e "s|@CA_DATA@|$(base64 -w0 ca.crt)|" \
  -e "s|@CERT_DATA@|$(base64 -w0 admin.crt)|" \
  -e "s|@KEY_DATA@|$(base64 -w0 admin.key)|" \
  "$here/kubeconfig.yaml" >admin.kubeconfig.tmp
mv admin.kubeconfig.tmp admin.kubeconfig
chmod 600 ./*.key admin.kubeconfig
chmod 644 ca.crt
