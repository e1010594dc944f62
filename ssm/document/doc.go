// Package document parses, validates and converts SSM documents, and holds
// the Amazon-owned documents Steward ships (AWS-RunShellScript and friends).
//
// It is pure: no I/O, no database, no clock. The ssm service calls it from
// CreateDocument / UpdateDocument (Parse, Validate, ValidateNewName),
// DescribeDocument (Document.Parameters, Document.PlatformTypes, Hash) and
// GetDocument (Convert); the command and automation runners read the parsed
// tree (Document.Steps, Document.Raw).
//
// Parsing keeps document order: parameters are listed as written and Convert
// re-emits keys in their original order, so a JSON document converted to YAML
// and back is the same document. Numbers are kept as json.Number with their
// original text, so nothing is rounded through float64.
//
// Every failure is a *steward.Error whose code is one AWS returns for the
// same mistake (InvalidDocumentContent, InvalidDocumentSchemaVersion,
// MaxDocumentSizeExceeded, ValidationException) and whose message names the
// place: a line and column for syntax errors, a path such as
// "mainSteps[1].name" (indices are 0-based) for structure errors.
package document
