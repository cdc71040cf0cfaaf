package synth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"time"

	"github.com/certprint/certprint/fingerprint"
)

// Certificates are real X.509: ECDSA P-256 keys drawn from the seed and
// deterministic (RFC 6979) signatures, so the same seed writes the same
// bytes. The DER is assembled here rather than by x509.CreateCertificate,
// which verifies every signature it makes: a tenth of the generator's time
// for nothing a scanner looks at.

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

var (
	oidECDSAWithSHA256     = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidSubjectKeyID        = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidAuthorityKeyID      = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidBasicConstraints    = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidSubjectAltName      = asn1.ObjectIdentifier{2, 5, 29, 17}
	ecdsaWithSHA256AlgoID  = pkix.AlgorithmIdentifier{Algorithm: oidECDSAWithSHA256}
	basicConstraintsCATrue = mustMarshal(struct {
		CA bool `asn1:"optional"`
	}{true})
)

func mustMarshal(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

type tbsCertificate struct {
	Version    int `asn1:"optional,explicit,default:0,tag:0"`
	Serial     *big.Int
	Signature  pkix.AlgorithmIdentifier
	Issuer     asn1.RawValue
	Validity   validity
	Subject    asn1.RawValue
	PublicKey  asn1.RawValue
	Extensions []pkix.Extension `asn1:"optional,explicit,tag:3"`
}

type validity struct {
	NotBefore, NotAfter time.Time
}

type certificate struct {
	TBS       asn1.RawValue
	Algorithm pkix.AlgorithmIdentifier
	Signature asn1.BitString
}

type authorityKeyID struct {
	ID []byte `asn1:"optional,tag:0"`
}

// certSpec is one certificate to make.
type certSpec struct {
	subject, issuer     fingerprint.DN
	key, issuerKey      *certKey // issuerKey nil: self-signed
	serial              *big.Int
	notBefore, notAfter time.Time
	dnsNames            []string
}

// pkixName turns a DN into the name a certificate carries.
func pkixName(d fingerprint.DN) []byte {
	n := pkix.Name{Organization: d.Organization, OrganizationalUnit: d.OrganizationalUnit, Country: d.Country, Locality: d.Locality, Province: d.Province}
	if len(d.CommonName) > 0 {
		n.CommonName = d.CommonName[0]
	}
	return mustMarshal(n.ToRDNSequence())
}

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
	exts := []pkix.Extension{{Id: oidSubjectKeyID, Value: mustMarshal(spec.key.id)}}
	exts = append(exts, pkix.Extension{Id: oidAuthorityKeyID, Value: mustMarshal(authorityKeyID{ID: signer.id})})
	if spec.issuerKey == nil {
		exts = append(exts, pkix.Extension{Id: oidBasicConstraints, Critical: true, Value: basicConstraintsCATrue})
	}
	if len(spec.dnsNames) > 0 {
		var names []asn1.RawValue
		for _, n := range spec.dnsNames {
			names = append(names, asn1.RawValue{Tag: 2, Class: asn1.ClassContextSpecific, Bytes: []byte(n)})
		}
		exts = append(exts, pkix.Extension{Id: oidSubjectAltName, Value: mustMarshal(names)})
	}
	tbs := tbsCertificate{
		Version:    2,
		Serial:     spec.serial,
		Signature:  ecdsaWithSHA256AlgoID,
		Issuer:     asn1.RawValue{FullBytes: issuer},
		Validity:   validity{spec.notBefore.UTC().Truncate(time.Second), spec.notAfter.UTC().Truncate(time.Second)},
		Subject:    asn1.RawValue{FullBytes: subject},
		PublicKey:  asn1.RawValue{FullBytes: spec.key.spki},
		Extensions: exts,
	}
	tbsDER := mustMarshal(tbs)
	digest := sha256.Sum256(tbsDER)
	// A nil random source asks for the deterministic signature of RFC 6979.
	sig, err := signer.priv.Sign(nil, digest[:], crypto.SHA256)
	if err != nil {
		panic(err)
	}
	return mustMarshal(certificate{TBS: asn1.RawValue{FullBytes: tbsDER}, Algorithm: ecdsaWithSHA256AlgoID, Signature: asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
}
