package csvlist

import (
	"io"
	"strings"

	"github.com/certprint/certprint/registry"
)

// readHeader reads the first record and finds the column of every mapped
// field. Headers are compared after registry.Key, so that "型番", "型番 "
// and a half-width or full-width variant of a header all match.
func (rd *reader) readHeader() error {
	rec, err := rd.next()
	if err == io.EOF {
		return registry.Errorf(registry.EINVALID, "%s: the file is empty; the first line must be the header", rd.name)
	}
	if err != nil {
		return err
	}
	rd.headerLine, _ = rd.csv.FieldPos(0)
	keys := make([]string, len(rec))
	for i, h := range rec {
		keys[i] = registry.Key(h)
	}
	if err := rd.checkDuplicateHeaders(keys, rec); err != nil {
		return err
	}
	rd.header = make([]string, len(rec))
	for i, h := range rec {
		rd.header[i] = strings.TrimSpace(h)
	}
	var missing []string
	for f := range numFields {
		rd.col[f] = -1
		if h := rd.plan.headers[f]; h != "" {
			rd.col[f] = indexOf(keys, registry.Key(h))
			if rd.col[f] < 0 {
				missing = append(missing, quote(h)+" (for "+f.String()+")")
			}
		}
	}
	if len(missing) > 0 {
		return rd.lineError(rd.headerLine, "no column %s; the header has: %s", strings.Join(missing, ", "), quoteAll(rd.header))
	}
	return nil
}

// checkDuplicateHeaders refuses two columns whose headers compare equal when
// one of them is mapped: which of the two holds the field would be a guess.
func (rd *reader) checkDuplicateHeaders(keys, rec []string) error {
	seen := map[string]int{}
	for i, k := range keys {
		j, dup := seen[k]
		if !dup {
			seen[k] = i
			continue
		}
		for f := range numFields {
			if h := rd.plan.headers[f]; h != "" && registry.Key(h) == k {
				return rd.lineError(rd.headerLine, "columns %d and %d are both headed %s, mapped to %s", j+1, i+1, quote(strings.TrimSpace(rec[i])), f)
			}
		}
	}
	return nil
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// quoteAll quotes a list of headers for a message.
func quoteAll(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = quote(s)
	}
	return strings.Join(q, ", ")
}
