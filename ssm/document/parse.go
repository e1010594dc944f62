package document

import (
	"strconv"
	"strings"

	"github.com/stewardhq/steward"
)

// Format is a document's content format (the AWS DocumentFormat enum).
type Format string

// The document formats. The empty Format means JSON, AWS's default.
const (
	FormatJSON Format = "JSON"
	FormatYAML Format = "YAML"
	FormatText Format = "TEXT"
)

// normalize returns the format with "" read as JSON, or a ValidationException
// for a value outside the enum.
func (f Format) normalize() (Format, error) {
	switch f {
	case "", FormatJSON:
		return FormatJSON, nil
	case FormatYAML, FormatText:
		return f, nil
	}
	return "", steward.Validation("1 validation error detected: Value '%s' at 'documentFormat' failed to satisfy constraint: "+
		"Member must satisfy enum value set: [YAML, JSON, TEXT]", f)
}

// Document is a parsed SSM document.
//
// Parse fills it leniently from whatever the content holds; only a document
// that passed Validate is guaranteed to have the shape its schema version
// requires. The typed fields are conveniences; Raw is the whole tree.
type Document struct {
	Format        Format
	SchemaVersion string // as written; a YAML/JSON number such as 2.2 is kept as its text
	Description   string
	AssumeRole    string      // Automation: assumeRole, usually "{{ AutomationAssumeRole }}"
	Parameters    []Parameter // in document order
	Steps         []Step      // mainSteps in order; for schema 1.x one step per runtimeConfig plugin
	Outputs       []string    // Automation: document outputs ("step.Output")

	// Raw is the parsed tree: nil, bool, json.Number, string, []any and
	// map[string]any. Numbers keep their written text. Nil for TEXT documents.
	Raw map[string]any

	root *node
}

// Parameter is one entry of a document's parameters, in the shape
// DescribeDocument needs.
type Parameter struct {
	Name        string
	Type        string // String, StringList, Boolean, Integer, StringMap, MapList (Automation: also AWS::… types)
	Description string

	// Default is the default as DescribeDocument shows DefaultValue: a string
	// as written, anything else JSON-encoded in document order. HasDefault
	// tells an empty default from none; a parameter without one is required.
	Default    string
	HasDefault bool
	// DefaultValue is the default in Raw's form (a StringList default is a
	// []any, a StringMap a map[string]any); nil when absent or null.
	DefaultValue any

	AllowedValues  []string // rendered like Default
	AllowedPattern string   // as written; see Validate for how it is matched
	DisplayType    string
	MinItems       *int
	MaxItems       *int
	MinChars       *int
	MaxChars       *int
}

// Step is one step of a document.
//
// For schema 2.x and 0.3 it is an entry of mainSteps. For schema 1.2 it is
// one runtimeConfig plugin: Name and Action are the plugin name (as the agent
// and ListCommandInvocations name it) and Inputs is its properties value (an
// object, an array of objects, or a "{{ parameter }}" string).
type Step struct {
	Name   string
	Action string
	Inputs any // map[string]any for mainSteps; nil when absent

	// Precondition holds the two StringEquals operands of a schema 2.2
	// precondition, e.g. ["platformType", "Linux"]; nil when there is none.
	Precondition []string

	// Automation step fields, when written as literals (a "{{ … }}" value
	// leaves them zero; read Raw then).
	OnFailure      string
	OnCancel       string
	NextStep       string
	IsEnd          bool
	MaxAttempts    int
	TimeoutSeconds int

	Raw map[string]any // the step (for 1.2, the plugin's object) as written
}

// Parse parses content written in format ("" means JSON).
//
// Errors: ValidationException for an unknown format or empty content,
// MaxDocumentSizeExceeded above MaxContentSize, InvalidDocumentContent when
// the content is not well-formed JSON or YAML, or its top level is not an
// object. TEXT content is not parsed: the Document carries only its Format.
func Parse(content string, format Format) (*Document, error) {
	f, err := format.normalize()
	if err != nil {
		return nil, err
	}
	if len(content) > MaxContentSize {
		return nil, steward.Errorf(CodeMaxDocumentSizeExceeded,
			"The content of the document is %d bytes; the maximum is %d bytes (64 KB).", len(content), MaxContentSize)
	}
	if content == "" {
		return nil, steward.Validation("1 validation error detected: Value '' at 'content' failed to satisfy constraint: " +
			"Member must have length greater than or equal to 1")
	}
	if f == FormatText {
		return &Document{Format: f}, nil
	}
	root, err := parseTree(content, f)
	if err != nil {
		return nil, err
	}
	d := &Document{
		Format:        f,
		SchemaVersion: scalarText(root.get("schemaVersion")),
		Description:   root.get("description").str(),
		AssumeRole:    root.get("assumeRole").str(),
		Parameters:    parameters(root.get("parameters")),
		Raw:           root.value().(map[string]any),
		root:          root,
	}
	d.Steps = steps(d.SchemaVersion, root)
	if outs := root.get("outputs"); outs != nil && outs.kind == kindArray {
		for _, o := range outs.items {
			if o.kind == kindString {
				d.Outputs = append(d.Outputs, o.text)
			}
		}
	}
	return d, nil
}

// parseTree parses JSON or YAML content and requires an object at the top.
func parseTree(content string, f Format) (*node, error) {
	content = strings.TrimPrefix(content, "\ufeff")
	var (
		root *node
		err  error
	)
	if f == FormatYAML {
		root, err = parseYAML(content)
	} else {
		root, err = parseJSON(content)
	}
	if err != nil {
		return nil, err
	}
	if root.kind != kindObject {
		return nil, steward.Errorf(CodeInvalidDocumentContent,
			"Invalid document content: the document must be an object with schemaVersion and other keys, not %s", root.kind)
	}
	return root, nil
}

// scalarText returns the text of a string or number node ("" otherwise).
func scalarText(n *node) string {
	if n != nil && (n.kind == kindString || n.kind == kindNumber) {
		return n.text
	}
	return ""
}

// render returns a value the way DescribeDocument shows it: strings as they
// are, everything else as compact JSON in document order; null is "".
func render(n *node) string {
	switch n.kind {
	case kindString:
		return n.text
	case kindNull:
		return ""
	}
	return compactJSON(n)
}

// intOf returns an integral number node's value.
func intOf(n *node) (int, bool) {
	if n == nil || n.kind != kindNumber {
		return 0, false
	}
	v, err := strconv.Atoi(n.text)
	return v, err == nil
}

func intPtr(n *node) *int {
	if v, ok := intOf(n); ok {
		return &v
	}
	return nil
}

func parameters(n *node) []Parameter {
	if n == nil || n.kind != kindObject {
		return nil
	}
	out := make([]Parameter, 0, len(n.keys))
	for i, name := range n.keys {
		v := n.vals[i]
		p := Parameter{
			Name:           name,
			Type:           v.get("type").str(),
			Description:    v.get("description").str(),
			AllowedPattern: v.get("allowedPattern").str(),
			DisplayType:    v.get("displayType").str(),
			MinItems:       intPtr(v.get("minItems")),
			MaxItems:       intPtr(v.get("maxItems")),
			MinChars:       intPtr(v.get("minChars")),
			MaxChars:       intPtr(v.get("maxChars")),
		}
		if def := v.get("default"); def != nil {
			p.HasDefault, p.Default, p.DefaultValue = true, render(def), def.value()
		}
		if av := v.get("allowedValues"); av != nil && av.kind == kindArray {
			for _, a := range av.items {
				p.AllowedValues = append(p.AllowedValues, render(a))
			}
		}
		out = append(out, p)
	}
	return out
}

func steps(schema string, root *node) []Step {
	var out []Step
	if strings.HasPrefix(schema, "1.") {
		rc := root.get("runtimeConfig")
		if rc == nil || rc.kind != kindObject {
			return nil
		}
		for i, plugin := range rc.keys {
			st := Step{Name: plugin, Action: plugin}
			if v := rc.vals[i]; v.kind == kindObject {
				st.Raw = v.value().(map[string]any)
				if props := v.get("properties"); props != nil {
					st.Inputs = props.value()
				}
			}
			out = append(out, st)
		}
		return out
	}
	ms := root.get("mainSteps")
	if ms == nil || ms.kind != kindArray {
		return nil
	}
	for _, s := range ms.items {
		if s.kind != kindObject {
			continue
		}
		st := Step{
			Name:      s.get("name").str(),
			Action:    s.get("action").str(),
			OnFailure: s.get("onFailure").str(),
			OnCancel:  s.get("onCancel").str(),
			NextStep:  s.get("nextStep").str(),
			Raw:       s.value().(map[string]any),
		}
		if in := s.get("inputs"); in != nil {
			st.Inputs = in.value()
		}
		if e := s.get("isEnd"); e != nil && e.kind == kindBool {
			st.IsEnd = e.text == "true"
		}
		st.MaxAttempts, _ = intOf(s.get("maxAttempts"))
		st.TimeoutSeconds, _ = intOf(s.get("timeoutSeconds"))
		if pc := s.get("precondition").get("StringEquals"); pc != nil && pc.kind == kindArray {
			for _, a := range pc.items {
				st.Precondition = append(st.Precondition, a.str())
			}
		}
		out = append(out, st)
	}
	return out
}
