package main

import (
	"context"
	"errors"

	"github.com/certprint/certprint/registry"
	"github.com/certprint/certprint/registry/sqlstore"
)

func readCSVList(ctx context.Context, s *sqlstore.Store, file, mapFile string) (*registry.Document, error) {
	return nil, errors.New("CSV lists are not wired yet")
}
