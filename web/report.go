package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/certprint/certprint/registry"
)

// Reports are aggregates: they name no address, no per-host record and
// not the scan's name, so analysts read them, and so does everyone else
// with a token.
var reportReaders = []registry.Role{registry.RoleAnalyst, registry.RoleCertifier, registry.RoleScanner}

type adoptionInput struct {
	Scan int64  `query:"scan" minimum:"0" doc:"The scan; absent or 0: the latest closed scan that has verdicts (the answer says latest)"`
	By   string `query:"by" enum:"program,vendor,device_type,model,month" doc:"Split the devices into groups by this; absent: the total only"`
}

type adoptionOutput struct {
	Body *registry.AdoptionReport
}

func (h *handlers) registerReports(api huma.API) {
	op := operation(http.MethodGet, "/api/v1/reports/adoption", "adoption-report",
		"The funnel (probed, responsive, fingerprinted, matched, certified) of a scan's current match run and the shares of its classes, with 95 % Wilson intervals",
		"reports", reportReaders...)
	op.Description += " Shares are of the responsive devices on the probed ports, never of devices on a network. " +
		"The answer names no address and not the scan's name (it may say which network was scanned): the scan is its id and dates. " +
		"grouping says how devices are put in groups; by program they overlap."
	huma.Register(api, op, func(ctx context.Context, in *adoptionInput) (*adoptionOutput, error) {
		rep, err := h.Reports.Adoption(ctx, registry.AdoptionQuery{ScanID: in.Scan, By: registry.ReportBy(in.By)})
		if err != nil {
			return nil, problem(h.Logger, err)
		}
		return &adoptionOutput{Body: rep}, nil
	})
}
