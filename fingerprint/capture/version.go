package capture

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
)

// nmapVersionLine is the first line `nmap --version` prints:
// "Nmap version 7.93 ( https://nmap.org )".
var nmapVersionLine = regexp.MustCompile(`^Nmap version ([0-9][0-9A-Za-z.+~-]{0,31})(?:\s|$)`)

// maxVersionOutput bounds what is read of `nmap --version`: a few lines.
const maxVersionOutput = 8 << 10

// ParseVersion reads nmap's version number from the output of
// `nmap --version`, such as "7.93". Origins record it, so a profile says
// which nmap (and so which probes and scripts) saw the device.
func ParseVersion(out []byte) (string, error) {
	if len(out) > maxVersionOutput {
		out = out[:maxVersionOutput]
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 512), maxVersionOutput)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		m := nmapVersionLine.FindSubmatch(line)
		if m == nil {
			break
		}
		return string(m[1]), nil
	}
	return "", fmt.Errorf("nmap --version printed no \"Nmap version N\" line: %q", firstLine(out))
}

func firstLine(b []byte) string {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	if len(line) > 80 {
		line = line[:80]
	}
	return string(line)
}
