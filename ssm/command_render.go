package ssm

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/agentproto"
	"github.com/stewardhq/steward/ssm/document"
)

// Rendering a Command document for a run: parameters typed and substituted
// into the steps (interpolate), then the {{ssm:name}} and
// {{ssm:name:version}} references anywhere in the result (parameter values,
// defaults, the document's own text) resolved from Parameter Store
// (reference/ssm.md §1.5). {{ssm-secure:name}} references stay for the agent,
// which asks for their values through Parameters; their names are recorded so
// that it may ask for those and no others.

// renderedDoc is a document ready to run.
type renderedDoc struct {
	schema      string
	steps       []agentproto.Step
	stepsJSON   []byte
	names       []string // step names (plugin names for schema 1.2)
	secureRefs  []string
	execTimeout int
	platforms   []string
}

// render prepares version v of a Command document with the given parameter
// values. Errors: InvalidParameters for values that break the declarations
// and for {{ssm:}} references that do not resolve (missing, or a
// SecureString), MaxDocumentSizeExceeded when the rendered steps exceed the
// document size limit, InvalidDocument for content that does not parse.
func (c *Commands) render(ctx context.Context, v *DocumentVersion, given map[string][]string) (*renderedDoc, error) {
	parsed, err := document.Parse(v.Content, v.Format)
	if err != nil {
		return nil, steward.Errorf(CodeInvalidDocument, "Document %s version %d cannot be parsed.", v.Name, v.Version)
	}
	values, err := typedParameters(parsed.Parameters, given)
	if err != nil {
		return nil, err
	}
	type raw struct {
		name, action string
		inputs, pre  any
	}
	var steps []raw
	for _, st := range parsed.Steps {
		r := raw{name: st.Name, action: st.Action, inputs: interpolate(st.Inputs, values)}
		if pc, ok := st.Raw["precondition"]; ok && !strings.HasPrefix(parsed.SchemaVersion, "1.") {
			r.pre = interpolate(pc, values)
		}
		steps = append(steps, r)
	}
	// {{ssm:…}} resolution over everything the steps now hold.
	refs := map[string]bool{}
	secure := map[string]bool{}
	for _, st := range steps {
		collectRefs(st.inputs, refs, secure)
	}
	resolved, err := c.resolveRefs(ctx, refs)
	if err != nil {
		return nil, err
	}
	out := &renderedDoc{schema: parsed.SchemaVersion, platforms: parsed.PlatformTypes(), execTimeout: cmdExecTimeoutDefault}
	for _, st := range steps {
		inputs, err := substituteRefs(st.inputs, resolved)
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(parsed.SchemaVersion, "1.") {
			// A 1.2 plugin's properties are usually a one-element list
			// ([{"id": "0.aws:runShellScript", "runCommand": …}]); the agent
			// takes a step's inputs as an object, so that element is the
			// inputs. (A list of several runs is delivered as it is.)
			if list, ok := inputs.([]any); ok && len(list) == 1 {
				if obj, ok := list[0].(map[string]any); ok {
					inputs = obj
				}
			}
		}
		s := agentproto.Step{Name: st.name, Action: st.action}
		if s.Inputs, err = json.Marshal(inputs); err != nil {
			return nil, steward.Internal(err)
		}
		if st.pre != nil {
			if s.Precondition, err = json.Marshal(st.pre); err != nil {
				return nil, steward.Internal(err)
			}
		}
		out.steps = append(out.steps, s)
		out.names = append(out.names, st.name)
	}
	if out.stepsJSON, err = json.Marshal(out.steps); err != nil {
		return nil, steward.Internal(err)
	}
	if len(out.stepsJSON) > document.MaxContentSize {
		return nil, steward.Errorf(document.CodeMaxDocumentSizeExceeded,
			"The document with its parameter values is %d bytes; the maximum is %d bytes (64 KB).", len(out.stepsJSON), document.MaxContentSize)
	}
	for name := range secure {
		out.secureRefs = append(out.secureRefs, name)
	}
	sort.Strings(out.secureRefs)
	if pv, ok := values["executionTimeout"]; ok {
		if n, err := strconv.Atoi(strings.TrimSpace(textForm(pv.v))); err == nil && n > 0 {
			out.execTimeout = n
		}
	}
	return out, nil
}

// ssmRef is a parsed {{ssm:…}} / {{ssm-secure:…}} reference.
type ssmRef struct {
	name   string // name, name:version or name:label, as written
	secure bool
	length int // bytes the reference spans
}

// ssmRefAt reads a reference at the start of s ("{{ssm:/a/b}}",
// "{{ ssm-secure:name:3 }}"); length 0 when s does not start with one. Only
// plain spaces may surround the name.
func ssmRefAt(s string) ssmRef {
	if !strings.HasPrefix(s, "{{") {
		return ssmRef{}
	}
	i := 2
	for i < len(s) && s[i] == ' ' {
		i++
	}
	var r ssmRef
	switch {
	case strings.HasPrefix(s[i:], "ssm-secure:"):
		r.secure = true
		i += len("ssm-secure:")
	case strings.HasPrefix(s[i:], "ssm:"):
		i += len("ssm:")
	default:
		return ssmRef{}
	}
	start := i
	for i < len(s) && s[i] != '}' && s[i] != '{' && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r' {
		i++
	}
	r.name = s[start:i]
	for i < len(s) && s[i] == ' ' {
		i++
	}
	if r.name == "" || !strings.HasPrefix(s[i:], "}}") {
		return ssmRef{}
	}
	r.length = i + 2
	return r
}

// eachRef calls fn for every reference in s, with its position.
func eachRef(s string, fn func(at int, r ssmRef)) {
	for i := 0; i < len(s); {
		j := strings.Index(s[i:], "{{")
		if j < 0 {
			return
		}
		at := i + j
		if r := ssmRefAt(s[at:]); r.length > 0 {
			fn(at, r)
			i = at + r.length
			continue
		}
		i = at + 2
	}
}

// collectRefs gathers the {{ssm:}} and {{ssm-secure:}} names in a Raw value.
func collectRefs(v any, plain, secure map[string]bool) {
	switch x := v.(type) {
	case string:
		eachRef(x, func(_ int, r ssmRef) {
			if r.secure {
				secure[r.name] = true
			} else {
				plain[r.name] = true
			}
		})
	case []any:
		for _, it := range x {
			collectRefs(it, plain, secure)
		}
	case map[string]any:
		for _, it := range x {
			collectRefs(it, plain, secure)
		}
	}
}

// resolveRefs reads the referenced parameters (10 per call, as
// GetParameters allows). A missing parameter, or a SecureString (which needs
// {{ssm-secure:}}), is InvalidParameters.
func (c *Commands) resolveRefs(ctx context.Context, refs map[string]bool) (map[string]*Parameter, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	names := make([]string, 0, len(refs))
	for n := range refs {
		names = append(names, n)
	}
	sort.Strings(names)
	if c.params == nil {
		return nil, errInvalidParameters("The document references Parameter Store parameters (%s), but Parameter Store is not available.", strings.Join(names, ", "))
	}
	out := make(map[string]*Parameter, len(names))
	for batch := range slices.Chunk(names, paramNamesPerCall) {
		res, err := c.params.GetParameters(ctx, batch, false)
		if err != nil {
			if steward.ErrorCode(err) == steward.CodeValidation {
				return nil, errInvalidParameters("The Parameter Store reference %s is not a valid parameter name.", strings.Join(batch, ", "))
			}
			return nil, err
		}
		if len(res.InvalidParameters) > 0 {
			return nil, errInvalidParameters("The parameters %s referenced with {{ssm:…}} do not exist in Parameter Store.",
				strings.Join(res.InvalidParameters, ", "))
		}
		for _, p := range res.Parameters {
			out[ParameterKey(p.Name)+p.Selector] = p
		}
	}
	for _, n := range names {
		p := out[ParameterKey(n)]
		if p == nil {
			return nil, errInvalidParameters("The parameter %s referenced with {{ssm:…}} does not exist in Parameter Store.", n)
		}
		if p.Type == TypeSecureString {
			return nil, errInvalidParameters("The parameter %s is a SecureString; {{ssm:%s}} cannot read it. Reference it as {{ssm-secure:%s}} "+
				"in a plugin field that accepts secure values, so that the agent resolves it on the node.", n, n, n)
		}
		out[n] = p
	}
	return out, nil
}

// substituteRefs replaces {{ssm:}} references with their values. A
// StringList parameter that is a whole array element splits at commas into
// several elements; embedded in a longer string it is an error. Secure
// references are kept.
func substituteRefs(v any, vals map[string]*Parameter) (any, error) {
	if len(vals) == 0 {
		return v, nil
	}
	switch x := v.(type) {
	case string:
		return substituteString(x, vals)
	case []any:
		out := make([]any, 0, len(x))
		for _, it := range x {
			if s, ok := it.(string); ok {
				if r := ssmRefAt(s); r.length == len(s) && !r.secure {
					if p := vals[r.name]; p != nil && p.Type == TypeStringList {
						for _, e := range strings.Split(p.Value, ",") {
							out = append(out, e)
						}
						continue
					}
				}
			}
			sub, err := substituteRefs(it, vals)
			if err != nil {
				return nil, err
			}
			out = append(out, sub)
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, it := range x {
			sub, err := substituteRefs(it, vals)
			if err != nil {
				return nil, err
			}
			out[k] = sub
		}
		return out, nil
	}
	return v, nil
}

func substituteString(s string, vals map[string]*Parameter) (any, error) {
	var b strings.Builder
	last := 0
	var err error
	eachRef(s, func(at int, r ssmRef) {
		if r.secure || err != nil {
			return
		}
		p := vals[r.name]
		if p == nil {
			return
		}
		if p.Type == TypeStringList && r.length != len(s) {
			err = errInvalidParameters("The StringList parameter %s can only be referenced as a whole list element, not inside a longer string.", r.name)
			return
		}
		b.WriteString(s[last:at])
		b.WriteString(p.Value)
		last = at + r.length
	})
	if err != nil {
		return nil, err
	}
	if last == 0 {
		return s, nil
	}
	b.WriteString(s[last:])
	return b.String(), nil
}
