package fingerprint

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"strings"

	"github.com/certprint/certprint/registry"
)

// maxHostKey bounds an SSH host key blob; RSA 16384 is about 2 KiB.
const maxHostKey = 16 << 10

// SetSSHHostKey stores the SHA-256 of a host key given as the base64 of
// its wire-format blob (fingerprintx hostKey, ZGrab2 raw, nmap key).
func (f Fields) SetSSHHostKey(blobBase64 string) {
	blobBase64 = strings.TrimSpace(blobBase64)
	if len(blobBase64) > maxHostKey {
		return
	}
	blob, err := base64.StdEncoding.DecodeString(blobBase64)
	if err != nil {
		if blob, err = base64.RawStdEncoding.DecodeString(blobBase64); err != nil {
			return
		}
	}
	if _, ok := HostKeyType(blob); !ok {
		return
	}
	sum := sha256.Sum256(blob)
	f.Set(registry.FieldSSHHostKeySHA256, hex.EncodeToString(sum[:]))
}

// HostKeyType reads the algorithm name a wire-format public key blob
// starts with (RFC 4253 6.6), and says whether the blob looks like a key
// at all: any base64 decodes to something, and a hash of junk is not a
// host key.
func HostKeyType(blob []byte) (string, bool) {
	if len(blob) < 4 {
		return "", false
	}
	n := int(binary.BigEndian.Uint32(blob))
	if n < 7 || n > 64 || len(blob) < 4+n+4 {
		return "", false
	}
	name := string(blob[4 : 4+n])
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c >= 0x7f {
			return "", false
		}
	}
	for _, prefix := range []string{"ssh-", "ecdsa-", "sk-", "rsa-"} {
		if strings.HasPrefix(name, prefix) {
			return name, true
		}
	}
	return "", false
}

// SetSSHFingerprint stores a host key SHA-256 given as a fingerprint:
// OpenSSH's "SHA256:" + unpadded base64, or hex with or without colons.
// An MD5 fingerprint (nmap's) cannot be converted and is left out.
func (f Fields) SetSSHFingerprint(fp string) {
	if sum, ok := SHA256Hex(fp); ok {
		f.SetIfAbsent(registry.FieldSSHHostKeySHA256, sum)
	}
}

// SHA256Hex reads a SHA-256 written as "SHA256:base64" or as hex (with or
// without colons, either case) and returns it in the canonical lower-case
// hex; anything else, an MD5 included, is refused.
func SHA256Hex(fp string) (string, bool) {
	fp = strings.TrimSpace(fp)
	if b64, ok := strings.CutPrefix(fp, "SHA256:"); ok {
		sum, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(b64, "="))
		if err != nil || len(sum) != sha256.Size {
			return "", false
		}
		return hex.EncodeToString(sum), true
	}
	h := strings.ToLower(strings.ReplaceAll(fp, ":", ""))
	if sum, err := hex.DecodeString(h); err == nil && len(sum) == sha256.Size {
		return h, true
	}
	return "", false
}

// SetSSHBanner stores the server's identification line without its line
// ending. text may be more than that line: the first bytes a scanner
// read (nmap's banner script). The identification is the line that
// begins with "SSH-" (RFC 4253, 4.2: other lines may come before it);
// what follows it is the binary packet protocol, which a server may
// start without waiting for the client's line (dropbear sends its
// KEXINIT at once) and whose random cookie differs on every connection.
func (f Fields) SetSSHBanner(text string) {
	line, _, _ := strings.Cut(text, "\n")
	for l := range strings.Lines(text) {
		if strings.HasPrefix(l, "SSH-") {
			line = l
			break
		}
	}
	f.Set(registry.FieldSSHBanner, strings.TrimRight(line, "\r\n"))
}

// SetSSHKex stores the server's key exchange algorithms in the order it
// offered them, comma-joined as on the wire.
func (f Fields) SetSSHKex(algorithms []string) {
	f.Set(registry.FieldSSHKex, strings.Join(algorithms, ","))
}
