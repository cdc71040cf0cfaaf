package fingerprint

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/certprint/certprint/registry"
)

// Evidence is weighed in bits: a predicate worth b bits matches a service
// picked at random from the Internet about once in 2^b. The weight of a
// predicate comes from what it pins down literally (words, model numbers,
// hashes), from how common that text is among all Internet services (the
// background table shipped below), and from how many unrelated model
// families in the registry claim it; never from the scan being matched, so
// that one device gets one verdict in every scan.

//go:embed background.tsv
var backgroundTSV []byte

// background is the parsed background table.
type background struct {
	version string
	exact   map[string]float64   // field + "\x00" + value -> share
	prefix  map[string][]bgEntry // field -> entries, longest first
	word    map[string]float64   // field + "\x00" + lower-case word -> share
}

type bgEntry struct {
	value string
	share float64
}

var defaultBackground = mustParseBackground(backgroundTSV)

func mustParseBackground(b []byte) *background {
	bg, err := parseBackground(b)
	if err != nil {
		panic("fingerprint: background.tsv: " + err.Error())
	}
	return bg
}

func parseBackground(b []byte) (*background, error) {
	bg := &background{exact: map[string]float64{}, prefix: map[string][]bgEntry{}, word: map[string]float64{}}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" || text[0] == '#' {
			continue
		}
		cols := strings.Split(text, "\t")
		if len(cols) == 2 && cols[0] == "version" {
			bg.version = cols[1]
			continue
		}
		if len(cols) != 4 {
			return nil, fmt.Errorf("line %d: want 4 tab-separated columns, have %d", line, len(cols))
		}
		share, err := strconv.ParseFloat(cols[3], 64)
		if err != nil || share <= 0 || share > 1 {
			return nil, fmt.Errorf("line %d: share %q is not in (0, 1]", line, cols[3])
		}
		field, value := cols[0], cols[2]
		switch cols[1] {
		case "exact":
			bg.exact[field+"\x00"+value] = share
		case "prefix":
			bg.prefix[field] = append(bg.prefix[field], bgEntry{value, share})
		case "word":
			bg.word[field+"\x00"+strings.ToLower(value)] = share
		default:
			return nil, fmt.Errorf("line %d: match %q is not exact, prefix or word", line, cols[1])
		}
	}
	if bg.version == "" {
		return nil, fmt.Errorf("no version line")
	}
	for f, es := range bg.prefix {
		sortEntries(es)
		bg.prefix[f] = es
	}
	return bg, sc.Err()
}

func sortEntries(es []bgEntry) {
	slices.SortStableFunc(es, func(a, b bgEntry) int { return len(b.value) - len(a.value) })
}

// lookup returns the share of the most specific background entry that
// covers text (equal to it, or a prefix of it) and how much of text it
// covers.
func (bg *background) lookup(field, text string) (share float64, covered int, ok bool) {
	if s, ok := bg.exact[field+"\x00"+text]; ok {
		return s, len(text), true
	}
	for _, e := range bg.prefix[field] {
		if strings.HasPrefix(text, e.value) {
			return e.share, len(e.value), true
		}
	}
	return 0, 0, false
}

// Field caps: the most a predicate on a field can prove. Some fields hold
// one of a handful of values on every device (a status code, a TLS
// version); others, like a login page's title, name the model.
var fieldCaps = map[string]float64{
	registry.FieldHTTPStatus:          1,
	registry.FieldHTTPServer:          12,
	registry.FieldHTTPTitle:           24,
	registry.FieldHTTPWWWAuthenticate: 24,
	registry.FieldHTTPLocation:        8,
	registry.FieldHTTPBodySHA256:      16,
	registry.FieldHTTPFaviconMD5:      16,
	registry.FieldHTTPFaviconMMH3:     16,
	registry.FieldHTTPFaviconName:     8,
	registry.FieldHTTPTechnologies:    6,
	registry.FieldTLSSubjectCN:        20,
	registry.FieldTLSSubject:          20,
	registry.FieldTLSIssuer:           16,
	registry.FieldTLSCertSHA256:       24,
	registry.FieldTLSSelfSigned:       1,
	registry.FieldTLSVersion:          1,
	registry.FieldSSHBanner:           12,
	registry.FieldSSHHostKeySHA256:    24,
	registry.FieldSSHHostKeyType:      1,
	registry.FieldSSHKex:              3,
	registry.FieldSSHPasswordAuth:     0.5,
	registry.FieldFTPBanner:           16,
	registry.FieldTelnetBanner:        16,
	registry.FieldSMTPBanner:          16,
	registry.FieldPOP3Banner:          16,
	registry.FieldIMAPBanner:          16,
	registry.FieldRTSPServer:          12,
	registry.FieldUPnPManufacturer:    8,
	registry.FieldUPnPModelName:       20,
	registry.FieldUPnPModelNumber:     20,
	registry.FieldUPnPFriendlyName:    16,
	registry.FieldUPnPModelDescr:      16,
	registry.FieldUPnPServer:          8,
	registry.FieldSNMPSysDescr:        20,
	registry.FieldSNMPSysObjectID:     16,
	registry.FieldBanner:              16,
	registry.FieldServiceProduct:      8,
	registry.FieldServiceVersion:      4,
	registry.FieldServiceInfo:         6,
	registry.FieldServiceDeviceType:   2,
	registry.FieldServiceOS:           4,
	registry.FieldServiceCPE:          10,
	registry.FieldMQTTVersion:         1,
}

// fieldGroups joins fields that restate one fact, so that a device is
// not credited twice for it: a certificate's subject, common name and (on
// a self-signed certificate) issuer; a server's header and the product,
// version and CPE a scanner derived from it. (A UPnP description's
// manufacturer and model number are two facts.)
var fieldGroups = map[string]uint8{
	registry.FieldTLSSubject: 1, registry.FieldTLSSubjectCN: 1, registry.FieldTLSIssuer: 1,
	registry.FieldHTTPServer: 2, registry.FieldServiceProduct: 2, registry.FieldServiceVersion: 2, registry.FieldServiceCPE: 2,
}

// hashFields hold digests: their text has no words to weigh, and equality
// is as specific as the field allows.
var hashFields = map[string]bool{
	registry.FieldTLSCertSHA256:    true,
	registry.FieldSSHHostKeySHA256: true,
	registry.FieldHTTPBodySHA256:   true,
	registry.FieldHTTPFaviconMD5:   true,
	registry.FieldHTTPFaviconMMH3:  true,
}

func fieldCap(field string) float64 {
	if c, ok := fieldCaps[field]; ok {
		return c
	}
	switch {
	case strings.HasPrefix(field, registry.FieldHTTPHeaderPrefix):
		return 6
	case strings.HasPrefix(field, registry.FieldMQTTPrefix):
		return 4
	case strings.HasSuffix(field, "_required"), strings.HasSuffix(field, "_enabled"):
		return 0.5
	}
	return 8
}

// Bounds of the weighing.
const (
	// maxModelNumberBits is what a word that is a registered model number
	// weighs (registeredNumbers).
	maxModelNumberBits = 16
	minBits            = 0.25
	// refineCap bounds what the text after a known common prefix adds:
	// "OpenSSH_9.2p1 Debian-2" is one of a few dozen common builds, not a
	// unique string.
	refineCap = 4
)

// genericWords carry almost no information on a device: they appear in
// the titles, realms and banners of products of every vendor.
var genericWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an the of to and or for in on at by with from is are be your my please
		log login logon logout sign signin in out user username password pass passwd enter welcome
		web webui ui client server service services site page home index main default frame frameset
		admin administrator administration management manager manage setup settings setting config
		configuration configure system device devices status info information portal panel console control
		router gateway modem access point ap bridge switch network networks networking wireless wifi wlan lan wan
		camera cam ip ipcam video surveillance security monitor monitoring viewer live stream streaming
		dvr nvr nas storage disk printer print scanner hub box smart hub home office remote cloud app
		basic digest realm authorization authentication required unauthorized forbidden error not found
		restricted area secure protected private
		http https www html htm cgi bin php asp jsp localhost localdomain local lan com net org jp co
		inc ltd corp corporation company co llc gmbh none unknown null
		linux unix embedded upnp ssh ftp telnet smtp rtsp tls ssl cert certificate self signed ready
		version firmware fw ver rev revision build release model type serial
		cn o ou c l st dc emailaddress email mail ca root
		busybox dropbear openssh lighttpd boa goahead webs httpd mini micro thttpd rompager allegro jetty
		nginx apache iis microsoft windows debian ubuntu centos redhat
		new series pro plus lite mini max`) {
		m[w] = true
	}
	return m
}()

// technicalTokens mix letters and digits without naming a product.
var technicalTokens = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`x86 x64 x86_64 amd64 arm64 arm armv7 armv7l aarch64 i386 i686 mips mipsel
		utf8 utf ipv4 ipv6 h264 h265 mp4 mjpeg sha1 sha256 sha384 sha512 md5 rsa ecdsa ed25519 nistp256
		nistp384 nistp521 aes128 aes256 hmac 2k 4k 1080p 720p 3g 4g 5g lte 11n 11ac 11ax 11b 11g
		802 v1 v2 v3 v4 v5 tls1 tlsv1 x509 iso8859 8859 p1 p2 deb11u1 deb11u2 deb11u3 deb12u1 deb12u2`) {
		m[w] = true
	}
	return m
}()

// shapeBits weighs text never seen in the background: a model number
// ("R100", "DCS-930L") says much, a vendor or product word some, generic
// words and bare numbers little. Words joined by hyphens are weighed as
// one when together they read as a model number ("FZ-4280": neither "FZ"
// nor "4280" alone names a product).
func (bg *background) shapeBits(field, text string) float64 {
	var stack [32]string
	total := 0.0
	for _, t := range compoundTokens(stack[:0], text) {
		lower := strings.ToLower(t)
		if s, ok := bg.word[field+"\x00"+lower]; ok {
			total += -math.Log2(s)
			continue
		}
		total += tokenBits(lower)
	}
	return total
}

// compoundTokens is tokens, except that words joined by single hyphens
// stay one token when they mix letters and digits and the first is a word
// of its own, not a protocol or encoding name ("SSH-2", "UTF-8") or a
// number ("0-dropbear").
func compoundTokens(dst []string, s string) []string {
	var stack [32]span
	spans := wordSpans(stack[:0], s)
	for i := 0; i < len(spans); i++ {
		j := i
		for j+1 < len(spans) && spans[j+1].start == spans[j].end+1 && s[spans[j].end] == '-' {
			j++
		}
		first := s[spans[i].start:spans[i].end]
		if joined := s[spans[i].start:spans[j].end]; j > i && mixed(joined) && hasLetter(first) && !commonWord(first) {
			dst = append(dst, joined)
			i = j
			continue
		}
		dst = append(dst, s[spans[i].start:spans[i].end])
	}
	return dst
}

// commonWord reports whether a word, in any case, is a generic word or a
// technical token: the lookup allocates nothing for a short ASCII word.
func commonWord(w string) bool {
	var buf [32]byte
	lower := appendLower(buf[:0], w)
	return genericWords[string(lower)] || technicalTokens[string(lower)]
}

// appendLower appends s lower-cased to b: byte by byte for ASCII, by
// strings.ToLower otherwise.
func appendLower(b []byte, s string) []byte {
	start := len(b)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return append(b[:start], strings.ToLower(s)...)
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

func hasLetter(t string) bool {
	for i := 0; i < len(t); i++ {
		if c := t[i] | 0x20; c >= 'a' && c <= 'z' {
			return true
		}
	}
	return false
}

// mixed reports whether t holds both letters and digits.
func mixed(t string) bool {
	letters, digits := false, false
	for i := 0; i < len(t); i++ {
		c := t[i] | 0x20
		letters = letters || c >= 'a' && c <= 'z'
		digits = digits || t[i] >= '0' && t[i] <= '9'
	}
	return letters && digits
}

func tokenBits(t string) float64 {
	letters, digits, other := 0, 0, 0
	for _, r := range t {
		switch {
		case r >= 'a' && r <= 'z':
			letters++
		case r >= '0' && r <= '9':
			digits++
		case r == '-':
		default:
			other++
		}
	}
	switch {
	case genericWords[t] || technicalTokens[t]:
		return 0.5
	case versionToken(t):
		return 1
	case other > 0:
		// Text in another script (Japanese product names): informative,
		// though a token may be a whole phrase.
		return 4
	case letters == 0:
		return 1 // numbers: versions, ports, years
	case digits > 0 && (letters >= 2 || t[0] > '9'):
		// A model number ("r100", "ql-c135", "n2"): the longer, the fewer
		// products share it.
		switch n := letters + digits; {
		case n >= 5:
			return 12
		case n >= 3:
			return 8
		}
		return 4
	case digits > 0:
		return 2 // a version fragment ("4p1") or a size ("930l" is both)
	case len(t) <= 2:
		return 0.5
	case len(t) == 3:
		return 2
	default:
		return 4 // a vendor or product word
	}
}

// literalBits weighs the text a predicate pins down on a field, before
// the registry is considered.
func (bg *background) literalBits(field, text string) float64 {
	limit := fieldCap(field)
	if hashFields[field] {
		if len(text) >= 16 {
			return limit
		}
		return min(limit, 1)
	}
	bits := bg.shapeBits(field, text)
	if share, covered, ok := bg.lookup(field, text); ok {
		bits = -math.Log2(share) + min(refineCap, 0.5*bg.shapeBits(field, text[covered:]))
	}
	return clampBits(bits, limit)
}

func clampBits(b, limit float64) float64 {
	return math.Max(minBits, math.Min(b, limit))
}

// sharedBits bounds a predicate that several unrelated model families
// claim: text that many vendors' firmware shows is an embedded commonplace,
// whatever its shape.
func sharedBits(families int) float64 {
	if families <= 1 {
		return math.Inf(1)
	}
	return 14 - 3*math.Log2(float64(families))
}
