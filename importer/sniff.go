package importer

import (
	"bytes"
	"encoding/json"
	"io"
)

// sniffSize is how much of a file Sniff looks at.
const sniffSize = 64 << 10

// Sniff recognises a format from the first bytes of a decompressed file.
// JSON-lines formats are told apart by the top-level keys of their first
// record, which need not be complete within head.
func Sniff(head []byte) (Format, error) {
	b := bytes.TrimLeft(head, " \t\r\n\ufeff")
	switch {
	case len(b) == 0:
		return "", &FormatError{Reason: "the file is empty; name its format with --format"}
	case b[0] == '<':
		if bytes.Contains(b, []byte("<nmaprun")) {
			return Nmap, nil
		}
		return "", &FormatError{Reason: "XML, but not nmap -oX output (no <nmaprun> element)"}
	case b[0] == '[':
		return Masscan, nil
	case b[0] != '{':
		return "", &FormatError{Reason: "it starts with neither JSON nor XML"}
	}
	keys := topLevelKeys(b)
	switch {
	case keys["data"] && !keys["rec_type"]:
		return ZGrab2, nil
	case keys["rec_type"], keys["ports"]:
		return Masscan, nil
	case keys["protocol"], keys["service"], keys["transport"], keys["metadata"]:
		return Fingerprintx, nil
	case len(keys) == 0 && bytes.HasPrefix(bytes.TrimLeft(b[1:], " \t"), []byte("ip:")):
		return Masscan, nil // the old masscan dialect: unquoted keys
	}
	return "", &FormatError{Reason: "a JSON record with none of the keys of fingerprintx, ZGrab2 or masscan"}
}

// topLevelKeys returns the keys of the first JSON object in b, as far as b
// goes.
func topLevelKeys(b []byte) map[string]bool {
	keys := map[string]bool{}
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return keys
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return keys
		}
		key, ok := tok.(string)
		if !ok {
			return keys
		}
		keys[key] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return keys
		}
	}
	return keys
}

// peek reads up to n bytes for sniffing and returns them with a reader
// that still yields the whole stream.
func peek(r io.Reader, n int) ([]byte, io.Reader, error) {
	head := make([]byte, n)
	k, err := io.ReadFull(r, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, nil, err
	}
	head = head[:k]
	return head, io.MultiReader(bytes.NewReader(head), r), nil
}
