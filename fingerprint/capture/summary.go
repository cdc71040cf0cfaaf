package capture

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
)

// PortStates counts the probed ports of a capture by the state nmap gave
// them. The scan reader keeps open ports only; these counts are what tells
// a host that refused every connection (closed) from one that did not
// answer at all (filtered, or down).
type PortStates struct {
	Open     int `json:"open"`
	Closed   int `json:"closed"`
	Filtered int `json:"filtered"` // filtered, open|filtered, closed|filtered
	Hosts    int `json:"hosts"`    // <host> elements
}

// maxSummaryDepth bounds element nesting, as the scan reader does.
const maxSummaryDepth = 32

// summarise counts port states in nmap XML: each <port>'s <state>, and the
// count of each <extraports> line nmap folds the many ports of one state
// into. It reads what nmap wrote to us, already bounded in size, and stops
// at the first syntax error with what it has counted.
func summarise(doc []byte) (PortStates, error) {
	var s PortStates
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	depth, inPort := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return s, nil
		}
		if err != nil {
			return s, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > maxSummaryDepth {
				return s, errors.New("elements nested too deep")
			}
			switch t.Name.Local {
			case "host":
				s.Hosts++
			case "port":
				inPort = depth
			case "state":
				if inPort > 0 && depth == inPort+1 {
					s.add(attr(t, "state"), 1)
				}
			case "extraports":
				n, err := strconv.Atoi(attr(t, "count"))
				if err == nil && n > 0 && n <= 1<<17 {
					s.add(attr(t, "state"), n)
				}
			}
		case xml.EndElement:
			if t.Name.Local == "port" && depth == inPort {
				inPort = 0
			}
			depth--
		}
	}
}

func (s *PortStates) add(state string, n int) {
	switch {
	case state == "open":
		s.Open += n
	case state == "closed":
		s.Closed += n
	case strings.Contains(state, "filtered"):
		s.Filtered += n
	}
}

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}
