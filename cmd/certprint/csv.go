package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/csvlist"
	"github.com/certprint/certprint/registry/sqlstore"
)

// readCSVList reads a certification body's CSV list through its column
// mapping. Rows are attached to models already registered under the same
// vendor and model number, so a list without refs updates the models a
// JSON import created instead of duplicating them.
func readCSVList(ctx context.Context, s *sqlstore.Store, file, mapFile string) (*registry.Document, error) {
	mf, err := os.Open(mapFile)
	if err != nil {
		return nil, err
	}
	m, err := csvlist.LoadMapping(mf)
	mf.Close()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", mapFile, err)
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	known := registeredModels{}
	doc, err := csvlist.Read(f, file, m, csvlist.Options{Resolve: known.resolver(ctx, s)})
	if err != nil {
		return nil, err
	}
	known.keepIdentity(doc)
	return doc, nil
}

// registeredModels remembers the registered models the resolver matched
// rows to, by ref.
type registeredModels map[string]registry.Model

// resolver finds the registered model with a vendor and model number, and
// remembers it.
func (known registeredModels) resolver(ctx context.Context, s *sqlstore.Store) func(vendor, modelNumber string) (string, error) {
	return func(vendor, modelNumber string) (string, error) {
		page, err := s.ListModels(ctx, registry.ModelFilter{Vendor: vendor, ModelNumber: modelNumber, Page: registry.Page{Limit: 3}})
		if err != nil {
			return "", err
		}
		switch len(page.Models) {
		case 0:
			return "", nil
		case 1:
			known[page.Models[0].Ref] = page.Models[0]
			return page.Models[0].Ref, nil
		}
		refs := make([]string, len(page.Models))
		for i, m := range page.Models {
			refs[i] = m.Ref
		}
		return "", registry.Errorf(registry.ECONFLICT, "vendor %q model %q matches several registered models (%s); add a ref column to the mapping",
			vendor, modelNumber, strings.Join(refs, ", "))
	}
}

// keepIdentity gives models that are already registered their stored
// vendor, name and model number: a list that spells them in full-width or
// upper case (or has no name column, so the name is the model number) must
// not rename a model; its certifications and other fields still apply.
func (known registeredModels) keepIdentity(doc *registry.Document) {
	for i := range doc.Models {
		in := &doc.Models[i]
		if stored, ok := known[in.Ref]; ok {
			in.Vendor, in.Name, in.ModelNumber = stored.Vendor, stored.Name, stored.ModelNumber
		}
	}
}
