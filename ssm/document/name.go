package document

import (
	"regexp"
	"strings"

	"github.com/stewardhq/steward"
)

// NamePattern is the API's pattern for a document name.
const NamePattern = `^[a-zA-Z0-9_\-.]{3,128}$`

var namePattern = regexp.MustCompile(NamePattern)

// reservedPrefixes are the name prefixes AWS keeps for its own documents,
// compared case-insensitively. ("AWSEC2", "AWSConfigRemediation" and
// "AWSSupport", also listed by AWS, all start with "aws".)
var reservedPrefixes = []string{"aws", "amazon", "amzn"}

// ValidateName checks a document name against NamePattern.
//
// Errors: ValidationException in the API's constraint form.
func ValidateName(name string) error {
	if !namePattern.MatchString(name) {
		return steward.Validation("1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: "+
			"Member must satisfy regular expression pattern: %s", name, NamePattern)
	}
	return nil
}

// ReservedName reports whether name starts with a prefix reserved for
// Amazon-owned documents (aws, amazon, amzn; any case).
func ReservedName(name string) bool {
	lower := strings.ToLower(name)
	for _, p := range reservedPrefixes {
		if strings.HasPrefix(lower, p) {
			return true
		}
	}
	return false
}

// ValidateNewName checks the name of a document a user creates: NamePattern,
// then the reserved prefixes.
//
// Errors: ValidationException for both. CreateDocument's modeled errors have
// no code for a reserved name, so AWS answers with the generic
// ValidationException, as it does for other request-level rule violations.
func ValidateNewName(name string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	if ReservedName(name) {
		return steward.Validation("Invalid document name '%s': names beginning with aws, amazon or amzn "+
			"(in any case) are reserved for documents owned by Amazon", name)
	}
	return nil
}
