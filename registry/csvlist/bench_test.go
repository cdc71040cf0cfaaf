package csvlist

import (
	"bytes"
	"fmt"
	"testing"

	"golang.org/x/text/encoding/japanese"
)

// benchRows is the size of the generated list, about that of the largest
// lists published today.
const benchRows = 10_000

// benchList writes a JC-STAR-like list: every model has two certificates,
// and vendors repeat, as they do in real lists.
func benchList() []byte {
	var b bytes.Buffer
	b.WriteString("登録番号,事業者名,製品名,型番,製品分類,適合レベル,登録日,有効期限,状態,備考\r\n")
	for i := range benchRows {
		model := i / 2
		fmt.Fprintf(&b, "JCSTAR-2025-%06d,ベンダー%d株式会社,無線LANルーター WR-%d,ＷＲ－%d,無線LANルーター,★1,2025/%d/%d,2027/03/31,有効,備考%d\r\n",
			i, model%100, model, model, 1+i%12, 1+i%28, i)
	}
	return b.Bytes()
}

func BenchmarkRead(b *testing.B) {
	utf8List := benchList()
	cp932List, err := japanese.ShiftJIS.NewEncoder().Bytes(utf8List)
	if err != nil {
		b.Fatal(err)
	}
	m := loadMapping(b, "jcstar.map.json")
	for _, bc := range []struct {
		name string
		list []byte
	}{{"utf-8", utf8List}, {"cp932", cp932List}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.list)))
			for b.Loop() {
				doc, err := Read(bytes.NewReader(bc.list), "bench.csv", m, Options{})
				if err != nil {
					b.Fatal(err)
				}
				if len(doc.Models) != benchRows/2 {
					b.Fatalf("%d models, want %d", len(doc.Models), benchRows/2)
				}
			}
			b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
