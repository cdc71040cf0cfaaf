package registry

import (
	"errors"
	"fmt"
)

// Error codes. Every error a service returns carries exactly one of them, so
// that the HTTP layer and the command line can each map a code to a status or
// an exit code in one place.
const (
	EINVALID      = "invalid"      // the caller sent something malformed
	ENOTFOUND     = "not_found"    // the named thing does not exist
	ECONFLICT     = "conflict"     // the request contradicts stored state
	EUNAUTHORIZED = "unauthorized" // no or an unknown credential
	EFORBIDDEN    = "forbidden"    // a credential whose role may not do this
	EINTERNAL     = "internal"     // a bug or an unavailable dependency
)

// Error is the domain error. Field names the offending input in a path form
// such as "models[3].certifications[0].issued"; Record names the record a
// person would look for ("ref acme-r100") when the input is a file.
type Error struct {
	Code    string
	Record  string
	Field   string
	Message string
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	if e.Record != "" {
		msg = e.Record + ": " + msg
	}
	return msg
}

// Errorf returns an Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error about one field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, EINTERNAL for errors that carry none, and
// "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	}
	return EINTERNAL
}

// AsError returns the domain error inside err, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// within prefixes the field path of a domain error, so that a validator of a
// nested value can report paths relative to itself.
func within(prefix string, err error) error {
	e := AsError(err)
	if e == nil {
		return err
	}
	out := *e
	switch {
	case out.Field == "":
		out.Field = prefix
	case out.Field[0] == '[':
		out.Field = prefix + out.Field
	default:
		out.Field = prefix + "." + out.Field
	}
	return &out
}
