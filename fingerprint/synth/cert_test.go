package synth

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"math/big"
	"testing"
	"time"

	"github.com/certprint/certprint/fingerprint"
)

// The certificates are real: x509 parses them, the signature verifies,
// and the same draw gives the same bytes.
func TestCertificates(t *testing.T) {
	key := newCertKey(newRNG(1, domainKeys, 1))
	ca := newCertKey(newRNG(1, domainKeys, 2))
	at := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	tests := []struct {
		name string
		spec certSpec
		self bool
	}{
		{"self-signed", certSpec{subject: fingerprint.DN{CommonName: []string{"WX-3000"}, Organization: []string{"Aokiri Networks Co., Ltd."}, Country: []string{"JP"}},
			key: key, serial: big.NewInt(0x7f12), notBefore: at, notAfter: at.AddDate(20, 0, 0)}, true},
		{"issued", certSpec{subject: fingerprint.DN{CommonName: []string{"www1.example.jp"}}, issuer: fingerprint.DN{CommonName: []string{"R11"}, Organization: []string{"Let's Encrypt"}},
			key: key, issuerKey: ca, serial: big.NewInt(1 << 62), notBefore: at, notAfter: at.AddDate(0, 0, 90), dnsNames: []string{"www1.example.jp"}}, false},
		{"japanese names", certSpec{subject: fingerprint.DN{CommonName: []string{"みまもりカメラ"}, OrganizationalUnit: []string{"Network Camera"}},
			key: key, serial: big.NewInt(255), notBefore: at, notAfter: at.AddDate(1, 0, 0)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			der := makeCertificate(tt.spec)
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				t.Fatal(err)
			}
			signer := tt.spec.key
			if !tt.self {
				signer = tt.spec.issuerKey
			}
			digest := sha256.Sum256(cert.RawTBSCertificate)
			if !ecdsa.VerifyASN1(&signer.priv.PublicKey, digest[:], cert.Signature) {
				t.Error("the signature does not verify with the signer's key")
			}
			if cert.Subject.CommonName != tt.spec.subject.CommonName[0] || cert.SerialNumber.Cmp(tt.spec.serial) != 0 || !cert.NotAfter.Equal(tt.spec.notAfter) {
				t.Errorf("read back %q %v %v", cert.Subject.CommonName, cert.SerialNumber, cert.NotAfter)
			}
			f := fingerprint.Fields{}
			f.SetCertificate(der)
			if want := map[bool]string{true: "true", false: "false"}[tt.self]; f["tls.self_signed"] != want {
				t.Errorf("self_signed %q, want %q", f["tls.self_signed"], want)
			}
			if f["tls.subject"] != tt.spec.subject.String() {
				t.Errorf("subject %q, want %q", f["tls.subject"], tt.spec.subject.String())
			}
			if string(makeCertificate(tt.spec)) != string(der) {
				t.Error("the same certificate twice gives different bytes")
			}
		})
	}
}

// dnText renders names as the importers do.
func TestDNText(t *testing.T) {
	for _, d := range []fingerprint.DN{
		{CommonName: []string{"WX-3000"}, Organization: []string{"Aokiri Networks Co., Ltd."}, OrganizationalUnit: []string{"Router"}, Country: []string{"JP"}},
		{CommonName: []string{`back\slash`}, Locality: []string{"Kobe"}, Province: []string{"Hyogo"}},
		{Organization: []string{" padded "}},
		{},
	} {
		if got, want := dnText(d), d.String(); got != want {
			t.Errorf("dnText %q, DN.String %q", got, want)
		}
	}
}
