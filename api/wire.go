package api

import "encoding/json"

// MarshalJSON writes the frame as Sentry does: fields it has no value for
// are null, not "".
func (f EventFrame) MarshalJSON() ([]byte, error) {
	ctx := f.Context
	if ctx == nil {
		ctx = []ContextLine{}
	}
	return json.Marshal(struct {
		Filename        *string        `json:"filename"`
		AbsPath         *string        `json:"absPath"`
		Module          *string        `json:"module"`
		Package         *string        `json:"package"`
		Platform        *string        `json:"platform"`
		InstructionAddr *string        `json:"instructionAddr"`
		SymbolAddr      *string        `json:"symbolAddr"`
		Function        *string        `json:"function"`
		Symbol          *string        `json:"symbol"`
		LineNo          *int           `json:"lineNo"`
		ColNo           *int           `json:"colNo"`
		InApp           bool           `json:"inApp"`
		Trust           *string        `json:"trust"`
		Context         []ContextLine  `json:"context"`
		Vars            map[string]any `json:"vars"`
		Errors          []any          `json:"errors"`
	}{
		nullable(f.Filename), nullable(f.AbsPath), nullable(f.Module), nullable(f.Package),
		nullable(f.Platform), nullable(f.InstructionAddr), nullable(f.SymbolAddr), nullable(f.Function),
		nullable(f.Symbol), f.LineNo, f.ColNo, f.InApp, nullable(f.Trust), ctx, f.Vars, f.Errors,
	})
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
