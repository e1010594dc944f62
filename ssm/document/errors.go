package document

import (
	"fmt"
	"strings"

	"github.com/stewardhq/steward"
)

// Error codes this package returns, besides steward.CodeValidation.
const (
	// CodeInvalidDocumentContent: the content does not parse, or its
	// structure breaks a rule of its schema version.
	CodeInvalidDocumentContent = "InvalidDocumentContent"
	// CodeInvalidDocumentSchemaVersion: schemaVersion is missing or not one
	// the document type supports.
	CodeInvalidDocumentSchemaVersion = "InvalidDocumentSchemaVersion"
	// CodeMaxDocumentSizeExceeded: the content is larger than MaxContentSize.
	CodeMaxDocumentSizeExceeded = "MaxDocumentSizeExceeded"
)

// Limits.
const (
	// MaxContentSize is the largest document content AWS accepts (64 KB).
	MaxContentSize = 64 * 1024
	// maxDepth caps nesting (Jackson's default limit, which AWS inherits).
	maxDepth = 1000
	// maxExpanded caps the size of the tree built from YAML after alias
	// expansion (a "billion laughs" document stops here). A 64 KB document
	// without aliases costs well under a tenth of it.
	maxExpanded = 4 << 20
)

// contentError returns an InvalidDocumentContent error for a structure
// problem at path.
func contentError(at path, format string, args ...any) *steward.Error {
	msg := fmt.Sprintf(format, args...)
	if at != "" {
		msg = string(at) + " " + msg
	}
	return steward.Errorf(CodeInvalidDocumentContent, "Invalid document content: %s", msg)
}

// path builds the location strings used in messages: parameters.commands,
// mainSteps[2].inputs, parameters["odd key"].
type path string

func (p path) key(k string) path {
	if k != "" && strings.IndexFunc(k, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == ':')
	}) < 0 {
		if p == "" {
			return path(k)
		}
		return p + "." + path(k)
	}
	return p + path(fmt.Sprintf("[%q]", k))
}

func (p path) index(i int) path { return p + path(fmt.Sprintf("[%d]", i)) }
