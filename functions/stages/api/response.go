package api

import (
	"encoding/json"
	"net/http"
)

// Error codes of the JSON error body {"error": code, "message": text}.
const (
	CodeBadRequest       = "bad-request"
	CodeUnauthorized     = "unauthorized"
	CodeForbidden        = "forbidden"
	CodeNotFound         = "not-found"
	CodeMethodNotAllowed = "method-not-allowed"
	CodeNotReady         = "not-ready"
	CodeTooLarge         = "too-large"
	CodeConflict         = "conflict"
	CodeInternal         = "internal"
)

// apiError is an error the client may see: its message is written for the client and never
// carries internals (bucket names, a cloud's error text); those go to the log only.
type apiError struct {
	status  int
	code    string
	message string
}

// Error implements error for logs; clients see only code and message.
func (e *apiError) Error() string { return e.code + ": " + e.message }

func fail(status int, code, message string) *apiError {
	return &apiError{status: status, code: code, message: message}
}

type errorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

func jsonResponse(status int, body any) Response {
	b, err := json.Marshal(body)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":"internal","message":"internal error"}`)
	}
	return Response{
		Status: status,
		Headers: map[string]string{
			"Content-Type":           "application/json",
			"Cache-Control":          "no-store",
			"X-Content-Type-Options": "nosniff",
		},
		Body: b,
	}
}

// errorResponse is the JSON error; its message is redacted like failure messages, so no
// message built from an error's text can carry a storage location or an account to a client.
func errorResponse(e *apiError) Response {
	return jsonResponse(e.status, errorBody{Error: e.code, Message: redactLocations(e.message)})
}

// ErrorResponse is the API's JSON error response, for a gateway that must refuse a request
// before the stage sees it (a body it cannot decode, say): code is one of the Code constants
// and message is shown to the client.
func ErrorResponse(status int, code, message string) Response {
	return errorResponse(fail(status, code, message))
}
