package registry

import (
	"strings"
	"testing"
)

// wantInvalid fails unless err is an EINVALID domain error about field whose
// message contains every one of wants. Field paths are the contract the HTTP
// layer and the import report rely on, so they are compared exactly.
func wantInvalid(t *testing.T, err error, field string, wants ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want an EINVALID error about %q", field)
	}
	e := AsError(err)
	if e == nil {
		t.Fatalf("got %T %v, want a *registry.Error", err, err)
	}
	if e.Code != EINVALID {
		t.Errorf("code = %q, want %q (%v)", e.Code, EINVALID, err)
	}
	if e.Field != field {
		t.Errorf("field = %q, want %q (%v)", e.Field, field, err)
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

// wantOK fails when err is not nil.
func wantOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }
