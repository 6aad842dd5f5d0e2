#!/bin/sh
# Builds the throw-away PKI the TLS unit tests need, with the openssl command
# line (independent of our own cert writer, so each checks the other):
#   ca.{crt,key}            the trusted CA (P-256)
#   other-ca.{crt,key}      a CA nobody trusts
#   impostor-ca.{crt,key}   named like ca, another key (forged CRLs)
#   server.{crt,key}        CN vpn.example.com, SAN DNS vpn.example.com,
#                           IP 198.18.1.1, IP fd00:18::1, EKU serverAuth
#   server-rsa.{crt,key}    the same names, RSA 2048 key
#   client.{crt,key}        CN alice, EKU clientAuth
#   client-p384.{crt,key}   CN erin, clientAuth, P-384 key (a curve we offer)
#   client-p521.{crt,key}   CN dave, clientAuth, P-521 key (one we do not)
#   expired.{crt,key}       CN bob, clientAuth, valid 2020-2021 only
#   revoked.{crt,key}       CN carol, clientAuth, listed in both CRLs
#   other-client.{crt,key}  CN mallory, clientAuth, from other-ca
#   clientonly.{crt,key}    CN vpn.example.com with server names but EKU
#                           clientAuth only (a client cert posing as server)
#   crl-empty.pem           current CRL revoking nobody
#   crl.pem                 current CRL (revokes carol)
#   crl-expired.pem         CRL whose nextUpdate has passed (revokes carol)
# Usage: gen-test-pki.sh DIR   (DIR is created; key files are mode 0600)
set -eu

dir=${1:?usage: gen-test-pki.sh DIR}
command -v openssl >/dev/null 2>&1 || { echo "openssl not found" >&2; exit 77; }
mkdir -p "$dir"
cd "$dir"
umask 077

ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

cat >ca.cnf <<'EOF'
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = .
database = ./index.txt
new_certs_dir = ./newcerts
serial = ./serial
crlnumber = ./crlnumber
default_md = sha256
default_days = 30
default_crl_days = 30
policy = any
unique_subject = no
copy_extensions = none
[ any ]
commonName = supplied
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = placeholder
[ v3_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ server ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:vpn.example.com, IP:198.18.1.1, IP:fd00:18::1
[ client ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
[ clientonly ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:vpn.example.com, IP:198.18.1.1, IP:fd00:18::1
EOF

# make_ca NAME CN: a self-signed CA and its openssl-ca state in NAME.d/
make_ca() {
	ec_key "$1.key"
	openssl req -new -x509 -config ca.cnf -extensions v3_ca -key "$1.key" \
		-subj "/CN=$2" -days 30 -out "$1.crt" 2>/dev/null
	mkdir -p "$1.d/newcerts"
	: >"$1.d/index.txt"
	echo 1000 >"$1.d/serial"
	echo 01 >"$1.d/crlnumber"
}

# issue CA NAME CN EXT KEYTYPE [extra openssl-ca options]
issue() {
	ca=$1 name=$2 cn=$3 ext=$4 keytype=$5
	shift 5
	case $keytype in
	rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$name.key" 2>/dev/null ;;
	p384 | p521)
		openssl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:P-${keytype#p}" \
			-out "$name.key" 2>/dev/null
		;;
	*) ec_key "$name.key" ;;
	esac
	openssl req -new -config ca.cnf -key "$name.key" -subj "/CN=$cn" -out "$name.csr" 2>/dev/null
	(cd "$ca.d" && openssl ca -batch -config ../ca.cnf -cert "../$ca.crt" -keyfile "../$ca.key" \
		-extensions "$ext" -in "../$name.csr" -out "../$name.crt" -notext "$@" 2>/dev/null)
	rm -f "$name.csr"
}

make_ca ca "tlsvpn test CA"
make_ca other-ca "some other CA"
# same name as ca, another key: its CRLs must fail the signature check
make_ca impostor-ca "tlsvpn test CA"

issue ca server vpn.example.com server ec
issue ca server-rsa vpn.example.com server rsa
issue ca client alice client ec
issue ca client-p384 erin client p384
issue ca client-p521 dave client p521
issue ca expired bob client ec -startdate 20200101000000Z -enddate 20210101000000Z
issue ca revoked carol client ec
issue ca clientonly vpn.example.com clientonly ec
issue other-ca other-client mallory client ec

(cd ca.d && openssl ca -gencrl -config ../ca.cnf -cert ../ca.crt -keyfile ../ca.key \
	-out ../crl-empty.pem 2>/dev/null)
(cd ca.d && openssl ca -config ../ca.cnf -cert ../ca.crt -keyfile ../ca.key \
	-revoke ../revoked.crt 2>/dev/null)
# Backdate the revocation: mbedTLS honours a revocation only once its date has
# passed, and a test running within the same second would otherwise see none.
sed 's/^R\t\([0-9Z]*\)\t[0-9Z]*\t/R\t\1\t211201000000Z\t/' ca.d/index.txt >ca.d/index.new
mv ca.d/index.new ca.d/index.txt
(cd ca.d && openssl ca -gencrl -config ../ca.cnf -cert ../ca.crt -keyfile ../ca.key \
	-out ../crl.pem 2>/dev/null)
(cd ca.d && openssl ca -gencrl -config ../ca.cnf -cert ../ca.crt -keyfile ../ca.key \
	-crl_lastupdate 20220101000000Z -crl_nextupdate 20220201000000Z \
	-out ../crl-expired.pem 2>/dev/null)

chmod 600 ./*.key
chmod 644 ./*.crt ./*.pem
