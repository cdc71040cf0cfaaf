package fingerprint

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"strings"

	"github.com/certprint/certprint/registry"
)

// MaxCertificate bounds the DER of one certificate; real ones are a few
// KiB, and x509 parsing of a huge hostile one is wasted work.
const MaxCertificate = 64 << 10

// DN is a distinguished name reduced to the attributes that identify a
// model, in one canonical rendering whatever the source: x509 parsing,
// nmap's ssl-cert table, ZGrab2's parsed subject. Serial numbers and other
// per-device attributes are left out on purpose.
type DN struct {
	CommonName         []string
	Organization       []string
	OrganizationalUnit []string
	Locality           []string
	Province           []string
	Country            []string
}

// String renders "CN=a, O=b, OU=c, L=d, ST=e, C=f", in that order, values
// in the order given, with "," and "\" in values escaped.
func (d DN) String() string {
	var parts []string
	add := func(key string, values []string) {
		for _, v := range values {
			if v = strings.TrimSpace(v); v != "" {
				v = strings.NewReplacer(`\`, `\\`, ",", `\,`).Replace(v)
				parts = append(parts, key+"="+v)
			}
		}
	}
	add("CN", d.CommonName)
	add("O", d.Organization)
	add("OU", d.OrganizationalUnit)
	add("L", d.Locality)
	add("ST", d.Province)
	add("C", d.Country)
	return strings.Join(parts, ", ")
}

// SetCertificateNames stores what a format says of a certificate without
// its DER: subject, issuer and the subject's common name.
func (f Fields) SetCertificateNames(subject, issuer DN) {
	if len(subject.CommonName) > 0 {
		f.SetText(registry.FieldTLSSubjectCN, subject.CommonName[0])
	}
	f.SetText(registry.FieldTLSSubject, subject.String())
	f.SetText(registry.FieldTLSIssuer, issuer.String())
}

// SetCertificate stores the fields of a leaf certificate from its DER. The
// hash is of the DER as sent, so it is set even when Go cannot parse the
// certificate (devices send strange ones); the names need a parse.
func (f Fields) SetCertificate(der []byte) {
	if len(der) == 0 || len(der) > MaxCertificate {
		return
	}
	sum := sha256.Sum256(der)
	f.Set(registry.FieldTLSCertSHA256, hex.EncodeToString(sum[:]))
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return
	}
	f.SetCertificateNames(nameOf(cert.Subject.CommonName, cert.Subject.Organization,
		cert.Subject.OrganizationalUnit, cert.Subject.Locality, cert.Subject.Province, cert.Subject.Country),
		nameOf(cert.Issuer.CommonName, cert.Issuer.Organization,
			cert.Issuer.OrganizationalUnit, cert.Issuer.Locality, cert.Issuer.Province, cert.Issuer.Country))
	f.Set(registry.FieldTLSSelfSigned, boolText(isSelfSigned(cert)))
}

func nameOf(cn string, o, ou, l, st, c []string) DN {
	d := DN{Organization: o, OrganizationalUnit: ou, Locality: l, Province: st, Country: c}
	if cn != "" {
		d.CommonName = []string{cn}
	}
	return d
}

// isSelfSigned: the issuer is the subject and, where the certificate names
// key identifiers, the authority key is its own. Verifying the signature
// would be surer but costs a public-key operation per record, a third of
// an import of TLS-heavy scans, for what identifies no model better.
func isSelfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) &&
		(len(c.AuthorityKeyId) == 0 || bytes.Equal(c.AuthorityKeyId, c.SubjectKeyId))
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// SetCertificateBase64 is SetCertificate for base64 DER (ZGrab2's raw,
// masscan's X509 banner). Malformed base64 sets nothing.
func (f Fields) SetCertificateBase64(s string) {
	if base64.StdEncoding.DecodedLen(len(s)) > MaxCertificate {
		return
	}
	der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return
	}
	f.SetCertificate(der)
}

// SetCertificatePEM is SetCertificate for the first certificate in PEM
// text (nmap's ssl-cert pem element).
func (f Fields) SetCertificatePEM(text string) bool {
	if len(text) > 2*MaxCertificate {
		return false
	}
	block, _ := pem.Decode([]byte(text))
	if block == nil || block.Type != "CERTIFICATE" {
		return false
	}
	f.SetCertificate(block.Bytes)
	return true
}

// SetTLSVersion stores a protocol version in one spelling, "TLSv1.2" or
// "SSLv3", whatever the format wrote ("TLS 1.2", "TLS/1.2", "tls1_2",
// "TLSv1.2"); a spelling it does not know is left out.
func (f Fields) SetTLSVersion(v string) {
	key := strings.NewReplacer(" ", "", "/", "", "_", ".", "v", "").Replace(strings.ToLower(strings.TrimSpace(v)))
	if canonical, ok := tlsVersions[key]; ok {
		f.Set(registry.FieldTLSVersion, canonical)
	}
}

var tlsVersions = map[string]string{
	"ssl2": "SSLv2", "ssl2.0": "SSLv2", "ssl3": "SSLv3", "ssl3.0": "SSLv3",
	"tls1": "TLSv1.0", "tls1.0": "TLSv1.0", "tls1.1": "TLSv1.1", "tls1.2": "TLSv1.2", "tls1.3": "TLSv1.3",
}
