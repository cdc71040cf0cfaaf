package fingerprint

import (
	"slices"
	"strings"

	"github.com/certprint/certprint/registry"
)

// A device's certificate names its maker: "O=Umibe Storage Co., Ltd.".
// Where that organisation is a registered vendor other than the
// candidate's own, and no certificate in its family's profiles names it,
// the device is another vendor's product built on the same firmware (it
// keeps the title and the common name, not the certificate's owner), and
// the candidate gives way; with none left, the verdict is a conflict of
// identities, as when the device names another model number. An organisation the registry does not know (a chipset
// maker, "Internet Widgits Pty Ltd") proves nothing.

// corporateSuffixes are the words that end company names and differ
// between a vendor's registered name and its certificates.
var corporateSuffixes = map[string]bool{
	"co": true, "corp": true, "corporation": true, "inc": true, "incorporated": true,
	"ltd": true, "limited": true, "llc": true, "gmbh": true, "ag": true, "kk": true,
	"company": true, "plc": true, "sa": true, "bv": true,
}

// vendorKey is a company name without punctuation and corporate suffixes,
// lower-cased: "Veltrix Corp." and "Veltrix Corporation" are "veltrix".
func vendorKey(name string) string {
	words := strings.FieldsFunc(registry.Key(name), func(r rune) bool {
		return r == ' ' || r == ',' || r == '.' || r == '(' || r == ')'
	})
	for len(words) > 0 && corporateSuffixes[words[len(words)-1]] {
		words = words[:len(words)-1]
	}
	return strings.Join(words, " ")
}

// dnOrganisation returns the O= value of a distinguished name as the
// normaliser renders it ("CN=x, O=Acme\, Inc., C=JP"), or "".
func dnOrganisation(dn string) string {
	for rest := dn; rest != ""; {
		part, next := nextRDN(rest)
		if v, ok := strings.CutPrefix(strings.TrimLeft(part, " "), "O="); ok {
			// Unescape first: "\ " is an escaped space, not a backslash.
			return strings.TrimSpace(unescapeDN(v))
		}
		rest = next
	}
	return ""
}

// unescapeDN undoes the backslash escapes of one DN value ("Acme\\, Inc."
// is "Acme, Inc."); a trailing lone backslash is kept.
func unescapeDN(v string) string {
	if !strings.Contains(v, `\`) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// nextRDN splits a DN at its first unescaped comma.
func nextRDN(dn string) (string, string) {
	for i := 0; i < len(dn); i++ {
		switch dn[i] {
		case '\\':
			i++
		case ',':
			return dn[:i], dn[i+1:]
		}
	}
	return dn, ""
}

// indexVendors records the registered vendors, and the organisations
// each model answers to: its own vendor, its family's OEM (a white-label
// twin shows its OEM's certificate), and those its family's certificate
// predicates name. The OEM is the vendor of the family whose name the
// family's profiles show ("nijiiro-nh295"), or, where they show none, any
// vendor of the family. A twin's vendor is not the OEM's: the OEM's
// device does not carry its white-label customer's certificate.
func (ix *Index) indexVendors() {
	ix.vendors = map[string]bool{}
	literals := map[string][]string{} // lower-cased, by family
	familyOrgs := map[string][]string{}
	for i := range ix.preds {
		p := &ix.preds[i]
		f := ix.models[p.model].family
		if !p.implied {
			literals[f] = append(literals[f], strings.ToLower(p.literal()))
		}
		if p.field == registry.FieldTLSIssuer || p.field == registry.FieldTLSSubject {
			if k := vendorKey(dnOrganisation(p.literal())); k != "" {
				familyOrgs[f] = append(familyOrgs[f], k)
			}
		}
	}
	vendor := make([]string, len(ix.models)) // vendorKey of each model's vendor
	for i := range ix.models {
		vendor[i] = vendorKey(ix.models[i].model.Vendor)
		if vendor[i] != "" {
			ix.vendors[vendor[i]] = true
		}
	}
	for f, models := range ix.families {
		var named, all []string
		for _, c := range models {
			k := vendor[c]
			all = append(all, k)
			if first, _, _ := strings.Cut(k, " "); len(first) >= 4 && slices.ContainsFunc(literals[f], func(l string) bool { return strings.Contains(l, first) }) {
				named = append(named, k)
			}
		}
		if len(named) == 0 {
			named = all
		}
		orgs := append(familyOrgs[f], named...)
		slices.Sort(orgs)
		familyOrgs[f] = slices.Compact(orgs)
	}
	for i := range ix.models {
		me := &ix.models[i]
		me.orgs = append([]string{vendor[i]}, familyOrgs[me.family]...)
	}
}

// deviceVendors appends to out the registered vendors the certificates
// among the device's services name, each with the organisation as the
// certificate spells it.
func (m *Matcher) deviceVendors(out [][2]string, obs []registry.Observation, services []int) [][2]string {
	for _, i := range services {
		for _, field := range []string{registry.FieldTLSIssuer, registry.FieldTLSSubject} {
			dn, ok := obs[i].Fields[field]
			if !ok {
				continue
			}
			org := dnOrganisation(dn)
			if org == "" {
				continue
			}
			k, ok := m.orgs[org]
			if !ok {
				if len(m.orgs) >= maxCachedOrgs {
					clear(m.orgs)
				}
				k = m.ix.registeredVendor(vendorKey(org))
				m.orgs[org] = k
			}
			if k != "" {
				out = append(out, [2]string{k, org})
			}
		}
	}
	return out
}

// maxCachedOrgs bounds Matcher.orgs: a hostile scan may show a new
// organisation on every host.
const maxCachedOrgs = 4096

// foreignVendor returns the first of the device's vendors (deviceVendors)
// that model c does not answer to.
func (ix *Index) foreignVendor(vendors [][2]string, c int32) (string, bool) {
	for _, v := range vendors {
		if !slices.Contains(ix.models[c].orgs, v[0]) {
			return v[1], true
		}
	}
	return "", false
}

// registeredVendor returns the registered vendor an organisation's key
// begins with, word for word ("cobaltine technology" is "cobaltine"), or
// "": certificates add words to the names vendors register under.
func (ix *Index) registeredVendor(org string) string {
	for k := org; k != ""; {
		if ix.vendors[k] {
			return k
		}
		i := strings.LastIndexByte(k, ' ')
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return ""
}
