package registry

import "testing"

func TestKeyTreatsSpellingsOfTheSameModelAsEqual(t *testing.T) {
	tests := []struct {
		name string
		a, b string
	}{
		{"full-width letters, digits and hyphen", "ＷＲ－１２００", "wr-1200"},
		{"full-width and ASCII upper case", "ＷＲ－１２００", "WR-1200"},
		{"half-width and full-width katakana", "ｷｬﾛﾙ電機", "キャロル電機"},
		{"half-width katakana with voiced mark composes", "ｶﾞｲﾄﾞ", "ガイド"},
		{"case folding", "Acme Networks", "ACME NETWORKS"},
		{"folding is full, not just lower-casing", "STRASSE", "straße"},
		{"leading and trailing space", "  Acme ", "Acme"},
		{"runs of space and tabs collapse", "Acme \t  R100", "Acme R100"},
		{"ideographic space is a space", "Acme\u3000R100", "Acme R100"},
		{"no-break space is a space", "Acme\u00a0R100", "Acme R100"},
		{"newline is white space", "Acme\nR100", "Acme R100"},
		{"circled digit is a digit", "R①", "r1"},
		{"roman numeral compatibility form", "Ⅱ", "ii"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ka, kb := Key(tt.a), Key(tt.b); ka != kb {
				t.Errorf("Key(%q) = %q, Key(%q) = %q; want equal", tt.a, ka, tt.b, kb)
			}
		})
	}
}

func TestKeyKeepsDifferentModelsApart(t *testing.T) {
	tests := []struct {
		name string
		a, b string
	}{
		{"different numbers", "WR-1200", "WR-1201"},
		{"hyphen is not removed", "WR-1200", "WR1200"},
		{"space inside is not removed", "WR 1200", "WR1200"},
		{"katakana is not hiragana", "キャロル", "きゃろる"},
		{"voiced and unvoiced kana differ", "ガ", "カ"},
		// NFKC leaves U+2212 MINUS SIGN alone; nothing beyond NFKC and
		// folding is guessed, even where a person would.
		{"minus sign is not a hyphen", "WR−1200", "WR-1200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ka, kb := Key(tt.a), Key(tt.b); ka == kb {
				t.Errorf("Key(%q) == Key(%q) == %q; want different", tt.a, tt.b, ka)
			}
		})
	}
}

func TestKeyExactForms(t *testing.T) {
	tests := map[string]string{
		"ＷＲ－１２００":         "wr-1200",
		"  Acme   R100  ": "acme r100",
		"":                "",
		" \t\n":           "",
		"ｷｬﾛﾙ":            "キャロル",
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			if got := Key(in); got != want {
				t.Errorf("Key(%q) = %q, want %q", in, got, want)
			}
			if again := Key(Key(in)); again != want {
				t.Errorf("Key is not idempotent: Key(Key(%q)) = %q", in, again)
			}
		})
	}
}

// Key is called from every request handler at once; the shared case folder
// must not carry state between calls (run with -race).
func TestKeyIsSafeForConcurrentUse(t *testing.T) {
	inputs := []string{"ＷＲ－１２００", "ｷｬﾛﾙ電機", "Acme  R100", "STRASSE"}
	want := make([]string, len(inputs))
	for i, s := range inputs {
		want[i] = Key(s)
	}
	done := make(chan struct{})
	for g := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 200 {
				k := (g + i) % len(inputs)
				if got := Key(inputs[k]); got != want[k] {
					t.Errorf("Key(%q) = %q concurrently, %q alone", inputs[k], got, want[k])
					return
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
}
