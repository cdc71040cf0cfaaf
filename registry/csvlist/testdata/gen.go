//go:build ignore

// gen writes the fixtures that cannot be edited as text: the CP932 copy of
// the JC-STAR list, made from its UTF-8 copy so that the two cannot drift
// apart, and the list with an oversized cell. Run it from this directory:
//
//	go run gen.go
package main

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"strings"

	"golang.org/x/text/encoding/japanese"
)

func main() {
	log.SetFlags(0)
	if err := writeCP932("jcstar-utf8bom.csv", "jcstar-cp932.csv"); err != nil {
		log.Fatal(err)
	}
	if err := writeOversize("broken/oversize-cell.csv"); err != nil {
		log.Fatal(err)
	}
}

// writeCP932 encodes the UTF-8 list (without its byte order mark) as CP932,
// and checks that decoding gives the text back: a character CP932 lacks
// would otherwise be written as a substitute and the fixtures would differ.
func writeCP932(from, to string) error {
	text, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	text = bytes.TrimPrefix(text, []byte("\xEF\xBB\xBF"))
	sjis, err := japanese.ShiftJIS.NewEncoder().Bytes(text)
	if err != nil {
		return fmt.Errorf("%s: %v", from, err)
	}
	back, err := japanese.ShiftJIS.NewDecoder().Bytes(sjis)
	if err != nil || !bytes.Equal(back, text) {
		return fmt.Errorf("%s does not survive a round trip through CP932", from)
	}
	return os.WriteFile(to, sjis, 0o644)
}

// writeOversize writes a list whose fourth line has a 5000-byte remark.
func writeOversize(to string) error {
	lines := []string{
		"登録番号,事業者名,製品名,型番,製品分類,適合レベル,登録日,有効期限,状態,備考",
		"JCSTAR-2025-000101,株式会社アクメ,WR-1200,WR-1200,無線LANルーター,★1,2025/03/25,2027/03/24,有効,",
		"JCSTAR-2025-000102,Bravo Networks株式会社,BN-AX3000,BN-AX3000,無線LANルーター,★1,2025/03/25,2027/03/24,有効,",
		"JCSTAR-2025-000103,Charlie,C-1,C-1,無線LANルーター,★1,2025/03/25,2027/03/24,有効," + strings.Repeat("x", 5000),
	}
	return os.WriteFile(to, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}
