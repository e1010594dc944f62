package document

import (
	"regexp"
	"slices"
	"strings"

	"github.com/stewardhq/steward"
)

// Document types Validate checks in depth. Other types (Session, Package,
// Policy, ChangeCalendar, …) are only required to be well-formed.
const (
	TypeCommand    = "Command"
	TypeAutomation = "Automation"
)

var (
	// commandSchemas are the schema versions CreateDocument accepts for Command
	// documents. The agent also runs 1.0 and 2.0.x, but AWS no longer lets
	// anyone create them.
	commandSchemas    = []string{"1.2", "2.0", "2.2"}
	automationSchemas = []string{"0.3"}

	pluginPattern         = regexp.MustCompile(`^aws:[a-zA-Z0-9]+$`)
	commandStepPattern    = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)
	automationStepPattern = regexp.MustCompile(`^[a-zA-Z0-9_]+$`)
	automationAction      = regexp.MustCompile(`^aws:[a-zA-Z]{3,25}$`)
	ssmReference          = regexp.MustCompile(`\{\{\s*ssm(-secure)?:`)
)

// Validate checks d against the rules of docType and of its schema version.
// It is what CreateDocument and UpdateDocument run after Parse.
//
// Command: schemaVersion 1.2 (runtimeConfig of plugin → {properties}), 2.0 or
// 2.2 (mainSteps of {action, name, inputs}; precondition only in 2.2).
// Automation: schemaVersion 0.3, mainSteps with Automation's step fields and
// references (onFailure, onCancel, nextStep, outputs). Both: parameters (see
// validateParameters).
//
// Errors: InvalidDocumentSchemaVersion for a missing or unsupported
// schemaVersion, InvalidDocumentContent for anything else, its message
// naming the offending place. The first problem in document order is reported.
func Validate(docType string, d *Document) error {
	if docType != TypeCommand && docType != TypeAutomation {
		return nil
	}
	if d == nil || d.root == nil {
		if d != nil && d.Format == FormatText {
			return contentError("", "%s documents must be written in JSON or YAML, not TEXT", docType)
		}
		return contentError("", "the document is empty")
	}
	root := d.root
	sv := root.get("schemaVersion")
	if sv == nil {
		return steward.Errorf(CodeInvalidDocumentSchemaVersion, "Document schema version is missing: schemaVersion is required")
	}
	if sv.kind != kindString && sv.kind != kindNumber {
		return contentError("schemaVersion", "must be a string such as \"2.2\", not %s", sv.kind)
	}
	supported := commandSchemas
	if docType == TypeAutomation {
		supported = automationSchemas
	}
	if !slices.Contains(supported, sv.text) {
		return steward.Errorf(CodeInvalidDocumentSchemaVersion,
			"Document schema version, %s, is not supported for %s documents; supported: %s",
			sv.text, docType, strings.Join(supported, ", "))
	}
	if desc := root.get("description"); desc != nil && desc.kind != kindString {
		return contentError("description", "must be a string, not %s", desc.kind)
	}
	if err := validateParameters(docType, root.get("parameters")); err != nil {
		return err
	}
	if docType == TypeAutomation {
		return validateAutomation(root)
	}
	if sv.text == "1.2" {
		return validateRuntimeConfig(root)
	}
	return validateCommandSteps(root, sv.text)
}

// validateRuntimeConfig checks a schema 1.2 document.
func validateRuntimeConfig(root *node) error {
	if root.get("mainSteps") != nil {
		return contentError("mainSteps", "is not allowed in schema version 1.2; use runtimeConfig (or schema version 2.2)")
	}
	rc := root.get("runtimeConfig")
	switch {
	case rc == nil:
		return contentError("runtimeConfig", "is required in schema version 1.2")
	case rc.kind != kindObject:
		return contentError("runtimeConfig", "must be an object of plugin name → configuration, not %s", rc.kind)
	case len(rc.keys) == 0:
		return contentError("runtimeConfig", "must configure at least one plugin")
	}
	for i, plugin := range rc.keys {
		p := path("runtimeConfig").key(plugin)
		if !pluginPattern.MatchString(plugin) {
			return contentError(p, "is not a plugin name; plugin names look like aws:runShellScript")
		}
		cfg := rc.vals[i]
		if cfg.kind != kindObject {
			return contentError(p, "must be an object with properties, not %s", cfg.kind)
		}
		props := cfg.get("properties")
		pp := p.key("properties")
		switch {
		case props == nil:
			return contentError(pp, "is required")
		case props.kind == kindArray:
			for j, it := range props.items {
				if it.kind != kindObject {
					return contentError(pp.index(j), "must be an object, not %s", it.kind)
				}
			}
		case props.kind != kindObject && props.kind != kindString:
			return contentError(pp, "must be an object or an array of objects, not %s", props.kind)
		}
	}
	return nil
}

// validateCommandSteps checks the mainSteps of a schema 2.0 / 2.2 document.
func validateCommandSteps(root *node, version string) error {
	if root.get("runtimeConfig") != nil {
		return contentError("runtimeConfig", "is not allowed in schema version %s; use mainSteps", version)
	}
	ms, err := mainSteps(root)
	if err != nil {
		return err
	}
	names := map[string]int{}
	for i, st := range ms.items {
		p := path("mainSteps").index(i)
		if st.kind != kindObject {
			return contentError(p, "must be an object with action, name and inputs, not %s", st.kind)
		}
		if err := requireString(st, p, "action", pluginPattern, "a plugin name such as aws:runShellScript"); err != nil {
			return err
		}
		if err := requireString(st, p, "name", commandStepPattern, "letters, digits, '_', '.' and '-' only"); err != nil {
			return err
		}
		name := st.get("name").text
		if j, dup := names[name]; dup {
			return contentError(p.key("name"), "%q is already the name of mainSteps[%d]; step names must be unique", name, j)
		}
		names[name] = i
		if in := st.get("inputs"); in != nil && in.kind != kindObject {
			return contentError(p.key("inputs"), "must be an object, not %s", in.kind)
		}
		if pc := st.get("precondition"); pc != nil {
			if version != "2.2" {
				return contentError(p.key("precondition"), "is supported only in schema version 2.2, not %s", version)
			}
			if err := validatePrecondition(pc, p.key("precondition")); err != nil {
				return err
			}
		}
	}
	return nil
}

// validatePrecondition checks {"StringEquals": [a, b]}, the only form the
// agent evaluates. One operand must be platformType with Linux, Windows or
// MacOS as the other, or one must use a document parameter ({{ … }}).
func validatePrecondition(pc *node, p path) error {
	if pc.kind != kindObject {
		return contentError(p, "must be an object such as {\"StringEquals\": [\"platformType\", \"Linux\"]}, not %s", pc.kind)
	}
	for _, k := range pc.keys {
		if k != "StringEquals" {
			return contentError(p.key(k), "is not a supported operator; only StringEquals is")
		}
	}
	se := pc.get("StringEquals")
	if se == nil {
		return contentError(p, "must use the StringEquals operator")
	}
	p = p.key("StringEquals")
	if se.kind != kindArray || len(se.items) != 2 {
		return contentError(p, "must be an array of exactly two strings")
	}
	a, b := se.items[0], se.items[1]
	for j, op := range se.items {
		if op.kind != kindString {
			return contentError(p.index(j), "must be a string, not %s", op.kind)
		}
		if ssmReference.MatchString(op.text) {
			return contentError(p.index(j), "must not reference Parameter Store ({{ssm:…}})")
		}
	}
	if strings.EqualFold(b.text, "platformType") {
		a, b = b, a
	}
	if strings.EqualFold(a.text, "platformType") {
		for _, platform := range platforms {
			if strings.EqualFold(b.text, platform) || strings.Contains(b.text, "{{") {
				return nil
			}
		}
		return contentError(p, "compares platformType with %q; use Windows, Linux or MacOS", b.text)
	}
	if !strings.Contains(a.text, "{{") && !strings.Contains(b.text, "{{") {
		return contentError(p, "compares two constants; one operand must be platformType or use a document parameter")
	}
	return nil
}

// mainSteps returns the non-empty mainSteps array.
func mainSteps(root *node) (*node, error) {
	ms := root.get("mainSteps")
	switch {
	case ms == nil:
		return nil, contentError("mainSteps", "is required")
	case ms.kind != kindArray:
		return nil, contentError("mainSteps", "must be an array of steps, not %s", ms.kind)
	case len(ms.items) == 0:
		return nil, contentError("mainSteps", "must contain at least one step")
	}
	return ms, nil
}

// requireString checks that obj[key] is a string matching re.
func requireString(obj *node, p path, key string, re *regexp.Regexp, want string) error {
	v := obj.get(key)
	switch {
	case v == nil:
		return contentError(p.key(key), "is required")
	case v.kind != kindString:
		return contentError(p.key(key), "must be a string, not %s", v.kind)
	case !re.MatchString(v.text):
		return contentError(p.key(key), "%q is not valid: %s (%s)", v.text, want, re)
	}
	return nil
}

// optionalString checks that obj[key], when present, is a string.
func optionalString(obj *node, p path, key string) error {
	if v := obj.get(key); v != nil && v.kind != kindString {
		return contentError(p.key(key), "must be a string, not %s", v.kind)
	}
	return nil
}
