package document

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"

	"github.com/stewardhq/steward"
)

// Convert re-renders content from one format to another, keeping key order,
// as GetDocument does when asked for a DocumentFormat other than the stored
// one. JSON comes out indented by two spaces, YAML by two spaces; converting
// to the same format returns content unchanged. TEXT converts only to itself.
//
// Errors: those of Parse for content; ValidationException for an unknown
// format or a conversion to or from TEXT.
func Convert(content string, from, to Format) (string, error) {
	from, err := from.normalize()
	if err != nil {
		return "", err
	}
	if to, err = to.normalize(); err != nil {
		return "", err
	}
	if from == to {
		return content, nil
	}
	if from == FormatText || to == FormatText {
		return "", steward.Validation("A document in %s format cannot be returned in %s format; "+
			"TEXT documents can only be returned as TEXT", from, to)
	}
	if len(content) > MaxContentSize {
		return "", steward.Errorf(CodeMaxDocumentSizeExceeded,
			"The content of the document is %d bytes; the maximum is %d bytes (64 KB).", len(content), MaxContentSize)
	}
	root, err := parseTree(content, from)
	if err != nil {
		return "", err
	}
	if to == FormatYAML {
		return writeYAML(root)
	}
	var buf bytes.Buffer
	writeJSON(&buf, root, "  ", 0)
	buf.WriteByte('\n')
	return buf.String(), nil
}

// Hash returns the SHA-256 of content in hex: DescribeDocument's Hash (with
// HashType Sha256) and the DocumentHash SendCommand may check.
func Hash(content string) string {
	sum := sha256.Sum256([]byte(content))
	return hex.EncodeToString(sum[:])
}
