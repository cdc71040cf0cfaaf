package web

import (
	"context"
	"errors"
	"log/slog"

	"github.com/danielgtaylor/huma/v2"

	"github.com/certprint/certprint/registry"
)

// problem maps a service error to RFC 9457 problem details: the one place
// where error codes become HTTP statuses. Internal errors are logged and
// answered without their text, which may name tables or files.
func problem(log *slog.Logger, err error) error {
	if err == nil {
		return nil
	}
	e := registry.AsError(err)
	switch {
	case errors.Is(err, context.Canceled):
		return huma.NewError(499, "the request was cancelled")
	case e == nil || e.Code == registry.EINTERNAL:
		log.Error("internal error", "err", err)
		return huma.Error500InternalServerError("internal error; the server log has the details")
	}
	switch e.Code {
	case registry.EINVALID:
		detail := &huma.ErrorDetail{Message: e.Message}
		if e.Field != "" {
			detail.Location = "body." + e.Field
		}
		return huma.Error422UnprocessableEntity(e.Error(), detail)
	case registry.ENOTFOUND:
		return huma.Error404NotFound(e.Error())
	case registry.ECONFLICT:
		return huma.Error409Conflict(e.Error())
	case registry.EUNAUTHORIZED:
		return huma.Error401Unauthorized(e.Error())
	case registry.EFORBIDDEN:
		return huma.Error403Forbidden(e.Error())
	}
	return huma.Error500InternalServerError("internal error")
}
