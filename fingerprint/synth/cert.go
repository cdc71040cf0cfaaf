package synth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"math/big"
	"time"

	"github.com/certprint/certprint/fingerprint"
)

// Certificates are real X.509: ECDSA P-256 keys drawn from the seed and
// deterministic (RFC 6979) signatures, so the same seed writes the same
// bytes. The DER is assembled here rather than by x509.CreateCertificate,
// which verifies every signature it makes and marshals by reflection: a
// fifth of the generator's time for nothing a scanner looks at.

// certKey is a key pair with its encoded public half.
type certKey struct {
	priv *ecdsa.PrivateKey
	spki []byte // SubjectPublicKeyInfo DER
	id   []byte // key identifier: SHA-1 of the public key bits
}

// newCertKey draws a P-256 key from r.
func newCertKey(r rng) *certKey {
	for {
		raw := r.bytes(32)
		raw[0] &= 0x7f // below the group order, which starts 0xffff...
		priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), raw)
		if err != nil {
			continue // zero: draw again
		}
		spki, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
		if err != nil {
			panic(err)
		}
		point, err := priv.PublicKey.Bytes()
		if err != nil {
			panic(err)
		}
		id := sha1.Sum(point)
		return &certKey{priv: priv, spki: spki, id: id[:]}
	}
}

// certSpec is one certificate to make.
type certSpec struct {
	subject, issuer     fingerprint.DN
	key, issuerKey      *certKey // issuerKey nil: self-signed
	serial              *big.Int
	notBefore, notAfter time.Time
	dnsNames            []string
}

// der appends one DER element: tag, length, content.
func der(b []byte, tag byte, content []byte) []byte {
	b = append(b, tag)
	switch n := len(content); {
	case n < 0x80:
		b = append(b, byte(n))
	case n < 0x100:
		b = append(b, 0x81, byte(n))
	default:
		b = append(b, 0x82, byte(n>>8), byte(n))
	}
	return append(b, content...)
}

// DER tags used below.
const (
	tagInteger    = 0x02
	tagBitString  = 0x03
	tagOctets     = 0x04
	tagOID        = 0x06
	tagUTF8       = 0x0c
	tagPrintable  = 0x13
	tagUTCTime    = 0x17
	tagGenTime    = 0x18
	tagSequence   = 0x30
	tagSet        = 0x31
	tagExplicit0  = 0xa0
	tagExplicit3  = 0xa3
	tagImplicit0  = 0x80
	tagDNSName    = 0x82
	tagBoolean    = 0x01
	oidCommonName = "\x55\x04\x03"
	oidCountry    = "\x55\x04\x06"
	oidOrg        = "\x55\x04\x0a"
	oidOrgUnit    = "\x55\x04\x0b"
)

// pkixName encodes a DN as a certificate name, in the order x509 writes
// one (country, organisation, unit, common name).
func pkixName(d fingerprint.DN) []byte {
	var seq []byte
	attr := func(oid string, tag byte, values []string) {
		for _, v := range values {
			atv := der(nil, tagOID, []byte(oid))
			atv = der(atv, tag, []byte(v))
			seq = der(seq, tagSet, der(nil, tagSequence, atv))
		}
	}
	attr(oidCountry, tagPrintable, d.Country)
	attr(oidOrg, tagUTF8, d.Organization)
	attr(oidOrgUnit, tagUTF8, d.OrganizationalUnit)
	attr(oidCommonName, tagUTF8, d.CommonName)
	return der(nil, tagSequence, seq)
}

// derTime encodes a certificate time: UTCTime until 2049, then
// GeneralizedTime, as RFC 5280 says.
func derTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	if t.Year() < 2050 {
		return der(b, tagUTCTime, []byte(t.Format("060102150405Z")))
	}
	return der(b, tagGenTime, []byte(t.Format("20060102150405Z")))
}

var ecdsaSHA256 = der(nil, tagSequence, der(nil, tagOID, []byte("\x2a\x86\x48\xce\x3d\x04\x03\x02")))

// makeCertificate returns the DER of spec, signed by its issuer's key.
func makeCertificate(spec certSpec) []byte {
	signer := spec.issuerKey
	if signer == nil {
		signer = spec.key
	}
	subject := pkixName(spec.subject)
	issuer := subject
	if spec.issuerKey != nil {
		issuer = pkixName(spec.issuer)
	}
	ext := func(b []byte, oid string, critical bool, value []byte) []byte {
		e := der(nil, tagOID, []byte(oid))
		if critical {
			e = der(e, tagBoolean, []byte{0xff})
		}
		return der(b, tagSequence, der(e, tagOctets, value))
	}
	var exts []byte
	exts = ext(exts, "\x55\x1d\x0e", false, der(nil, tagOctets, spec.key.id))
	exts = ext(exts, "\x55\x1d\x23", false, der(nil, tagSequence, der(nil, tagImplicit0, signer.id)))
	if spec.issuerKey == nil {
		exts = ext(exts, "\x55\x1d\x13", true, der(nil, tagSequence, der(nil, tagBoolean, []byte{0xff})))
	}
	if len(spec.dnsNames) > 0 {
		var names []byte
		for _, n := range spec.dnsNames {
			names = der(names, tagDNSName, []byte(n))
		}
		exts = ext(exts, "\x55\x1d\x11", false, der(nil, tagSequence, names))
	}
	serial := spec.serial.Bytes()
	if len(serial) == 0 || serial[0]&0x80 != 0 {
		serial = append([]byte{0}, serial...)
	}
	tbs := der(nil, tagExplicit0, der(nil, tagInteger, []byte{2}))
	tbs = der(tbs, tagInteger, serial)
	tbs = append(tbs, ecdsaSHA256...)
	tbs = append(tbs, issuer...)
	tbs = der(tbs, tagSequence, derTime(derTime(nil, spec.notBefore), spec.notAfter))
	tbs = append(tbs, subject...)
	tbs = append(tbs, spec.key.spki...)
	tbs = der(tbs, tagExplicit3, der(nil, tagSequence, exts))
	tbsDER := der(nil, tagSequence, tbs)
	digest := sha256.Sum256(tbsDER)
	// A nil random source asks for the deterministic signature of RFC 6979.
	sig, err := signer.priv.Sign(nil, digest[:], crypto.SHA256)
	if err != nil {
		panic(err)
	}
	cert := append(tbsDER, ecdsaSHA256...)
	cert = der(cert, tagBitString, append([]byte{0}, sig...))
	return der(nil, tagSequence, cert)
}
