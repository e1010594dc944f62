package document

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParameterNamePattern is the rule Steward applies to document parameter
// names: AWS's own documents and runbooks use letters, digits, '_', '.' and
// '-'. (The stock agent's placeholder regex accepts only ^[a-zA-Z0-9]+$, but
// Steward, like AWS, substitutes parameters on the server, so the wider rule
// holds end to end.)
const ParameterNamePattern = `^[a-zA-Z0-9_.-]+$`

var (
	parameterName = regexp.MustCompile(ParameterNamePattern)
	ssmDefault    = regexp.MustCompile(`^\{\{\s*ssm(-secure)?:[^{}]+\}\}$`)
)

// baseTypes maps each declared parameter type to the JSON shape of its value.
// The AWS::… types exist only in Automation runbooks and behave as String or
// StringList.
var baseTypes = map[string]string{
	"String": "String", "StringList": "StringList", "Boolean": "Boolean",
	"Integer": "Integer", "StringMap": "StringMap", "MapList": "MapList",
}

// automationTypes are the resource types AWS documents for runbook
// parameters ("Creating input parameters that populate AWS resources").
var automationTypes = map[string]string{
	"AWS::EC2::Instance::Id":       "String",
	"List<AWS::EC2::Instance::Id>": "StringList",
	"AWS::S3::Bucket::Name":        "String",
	"List<AWS::S3::Bucket::Name>":  "StringList",
	"AWS::IAM::Role::Arn":          "String",
	"List<AWS::IAM::Role::Arn>":    "StringList",
}

// validateParameters checks the parameters object:
//   - names match ParameterNamePattern;
//   - type is present and one of String, StringList, Boolean, Integer,
//     StringMap, MapList (Automation also accepts the AWS::… resource types);
//   - allowedValues is an array of scalars; displayType is textfield or textarea;
//     minItems/maxItems/minChars/maxChars are non-negative integers, min ≤ max;
//   - allowedPattern compiles. Patterns are Go RE2 and match the whole value
//     (as Java's String.matches, which AWS uses, does). RE2 has no lookaround
//     and no backreferences, so a Java pattern using them is rejected here
//     although AWS would take it;
//   - a default that is not a {{ssm:…}} reference has the declared type and
//     satisfies allowedValues, allowedPattern and the length and count limits.
//     A String default may be written as a number or boolean (YAML authors
//     often leave 3600 unquoted); Boolean and Integer defaults must be real
//     booleans and integers, as AWS documents. A null default counts as "".
func validateParameters(docType string, params *node) error {
	if params == nil {
		return nil
	}
	if params.kind != kindObject {
		return contentError("parameters", "must be an object of parameter name → definition, not %s", params.kind)
	}
	for i, name := range params.keys {
		p := path("parameters").key(name)
		if !parameterName.MatchString(name) {
			return contentError(p, "is not a valid parameter name: use letters, digits, '_', '.' and '-' only")
		}
		if err := validateParameter(docType, p, params.vals[i]); err != nil {
			return err
		}
	}
	return nil
}

func validateParameter(docType string, p path, def *node) error {
	if def.kind != kindObject {
		return contentError(p, "must be an object with at least a type, not %s", def.kind)
	}
	t := def.get("type")
	if t == nil {
		return contentError(p.key("type"), "is required")
	}
	if t.kind != kindString {
		return contentError(p.key("type"), "must be a string, not %s", t.kind)
	}
	base, ok := baseTypes[t.text]
	if !ok && docType == TypeAutomation {
		base, ok = automationTypes[t.text]
	}
	if !ok {
		return contentError(p.key("type"), "%q is not a parameter type; use String, StringList, Boolean, Integer, StringMap or MapList", t.text)
	}
	for _, key := range []string{"description", "allowedPattern", "displayType"} {
		if err := optionalString(def, p, key); err != nil {
			return err
		}
	}
	if dt := def.get("displayType"); dt != nil && dt.text != "textfield" && dt.text != "textarea" {
		return contentError(p.key("displayType"), "%q is not valid; use textfield or textarea", dt.text)
	}
	limits := map[string]int{}
	for _, key := range []string{"minItems", "maxItems", "minChars", "maxChars"} {
		v := def.get(key)
		if v == nil {
			continue
		}
		n, ok := intOf(v)
		if !ok || n < 0 {
			return contentError(p.key(key), "must be a non-negative integer")
		}
		limits[key] = n
	}
	for _, pair := range [][2]string{{"minItems", "maxItems"}, {"minChars", "maxChars"}} {
		lo, hasLo := limits[pair[0]]
		hi, hasHi := limits[pair[1]]
		if hasLo && hasHi && lo > hi {
			return contentError(p.key(pair[0]), "(%d) is greater than %s (%d)", lo, pair[1], hi)
		}
	}
	var allowed []string
	if av := def.get("allowedValues"); av != nil {
		if av.kind != kindArray {
			return contentError(p.key("allowedValues"), "must be an array, not %s", av.kind)
		}
		for j, a := range av.items {
			if a.kind == kindArray || a.kind == kindObject || a.kind == kindNull {
				return contentError(p.key("allowedValues").index(j), "must be a string, number or boolean, not %s", a.kind)
			}
			allowed = append(allowed, a.text)
		}
	}
	var (
		pattern     *regexp.Regexp
		patternText string
	)
	if ap := def.get("allowedPattern"); ap != nil {
		patternText = ap.text
		// Compile the pattern alone first: wrapping could hide a stray ")(".
		if _, err := regexp.Compile(ap.text); err != nil {
			return contentError(p.key("allowedPattern"), "is not a valid regular expression: %v", err)
		}
		pattern = regexp.MustCompile(`^(?:` + ap.text + `)$`)
	}
	dv := def.get("default")
	if dv == nil || dv.kind == kindNull || (dv.kind == kindString && ssmDefault.MatchString(dv.text)) {
		return nil
	}
	c := defaultCheck{p: p.key("default"), typ: t.text, allowed: allowed, pattern: pattern, limits: limits, patternText: patternText}
	return c.check(base, dv)
}

// defaultCheck checks a parameter's default against its declaration.
type defaultCheck struct {
	p       path
	typ     string
	allowed []string
	pattern *regexp.Regexp
	limits  map[string]int

	patternText string // as written, for messages
}

func (c defaultCheck) check(base string, dv *node) error {
	switch base {
	case "String":
		if dv.kind == kindArray || dv.kind == kindObject {
			return contentError(c.p, "must be a string for a parameter of type %s, not %s", c.typ, dv.kind)
		}
		return c.text(c.p, dv.text, true)
	case "StringList":
		if dv.kind != kindArray {
			return contentError(c.p, "must be an array of strings for a parameter of type %s, not %s", c.typ, dv.kind)
		}
		if err := c.count(len(dv.items)); err != nil {
			return err
		}
		for j, it := range dv.items {
			if it.kind == kindArray || it.kind == kindObject || it.kind == kindNull {
				return contentError(c.p.index(j), "must be a string, not %s", it.kind)
			}
			if err := c.text(c.p.index(j), it.text, true); err != nil {
				return err
			}
		}
	case "Boolean":
		if dv.kind != kindBool {
			return contentError(c.p, "must be true or false for a parameter of type Boolean, not %s", dv.kind)
		}
		return c.text(c.p, dv.text, false)
	case "Integer":
		if _, err := strconv.ParseInt(dv.text, 10, 64); dv.kind != kindNumber || err != nil {
			return contentError(c.p, "must be an integer for a parameter of type Integer")
		}
		return c.text(c.p, dv.text, false)
	case "StringMap":
		if dv.kind != kindObject {
			return contentError(c.p, "must be an object for a parameter of type StringMap, not %s", dv.kind)
		}
		return c.chars(c.p, compactJSON(dv))
	case "MapList":
		if dv.kind != kindArray {
			return contentError(c.p, "must be an array of objects for a parameter of type MapList, not %s", dv.kind)
		}
		for j, it := range dv.items {
			if it.kind != kindObject {
				return contentError(c.p.index(j), "must be an object, not %s", it.kind)
			}
		}
		return c.count(len(dv.items))
	}
	return nil
}

// text checks a scalar value against allowedValues, allowedPattern and, for
// strings, minChars/maxChars.
func (c defaultCheck) text(p path, s string, isString bool) error {
	if c.allowed != nil {
		found := false
		for _, a := range c.allowed {
			found = found || a == s
		}
		if !found {
			return contentError(p, "%q is not one of allowedValues [%s]", s, strings.Join(c.allowed, ", "))
		}
	}
	if c.pattern != nil && !c.pattern.MatchString(s) {
		return contentError(p, "%q does not match allowedPattern %s", s, c.patternText)
	}
	if isString {
		return c.chars(p, s)
	}
	return nil
}

func (c defaultCheck) chars(p path, s string) error {
	n := utf8.RuneCountInString(s)
	if lo, ok := c.limits["minChars"]; ok && n < lo {
		return contentError(p, "has %d characters, fewer than minChars (%d)", n, lo)
	}
	if hi, ok := c.limits["maxChars"]; ok && n > hi {
		return contentError(p, "has %d characters, more than maxChars (%d)", n, hi)
	}
	return nil
}

func (c defaultCheck) count(n int) error {
	if lo, ok := c.limits["minItems"]; ok && n < lo {
		return contentError(c.p, "has %d items, fewer than minItems (%d)", n, lo)
	}
	if hi, ok := c.limits["maxItems"]; ok && n > hi {
		return contentError(c.p, "has %d items, more than maxItems (%d)", n, hi)
	}
	return nil
}
