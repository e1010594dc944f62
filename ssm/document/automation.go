package document

import (
	"slices"
	"strings"
)

// outputTypes are the types an Automation step output may declare.
var outputTypes = []string{"String", "Integer", "Boolean", "StringList", "StringMap", "MapList"}

// validateAutomation checks a schema 0.3 runbook.
func validateAutomation(root *node) error {
	if root.get("runtimeConfig") != nil {
		return contentError("runtimeConfig", "is not allowed in an Automation document; use mainSteps")
	}
	if err := optionalString(root, "", "assumeRole"); err != nil {
		return err
	}
	ms, err := mainSteps(root)
	if err != nil {
		return err
	}
	// Names first: onFailure, onCancel and nextStep may point forward.
	names := map[string]int{}
	for i, st := range ms.items {
		p := path("mainSteps").index(i)
		if st.kind != kindObject {
			return contentError(p, "must be an object with name, action and inputs, not %s", st.kind)
		}
		if err := requireString(st, p, "name", automationStepPattern, "letters, digits and '_' only"); err != nil {
			return err
		}
		name := st.get("name").text
		if j, dup := names[name]; dup {
			return contentError(p.key("name"), "%q is already the name of mainSteps[%d]; step names must be unique", name, j)
		}
		names[name] = i
	}
	for i, st := range ms.items {
		if err := validateAutomationStep(st, path("mainSteps").index(i), names); err != nil {
			return err
		}
	}
	if err := validateVariables(root.get("variables")); err != nil {
		return err
	}
	if f := root.get("files"); f != nil && f.kind != kindObject {
		return contentError("files", "must be an object, not %s", f.kind)
	}
	if outs := root.get("outputs"); outs != nil {
		if outs.kind != kindArray {
			return contentError("outputs", "must be an array of \"stepName.outputName\" strings, not %s", outs.kind)
		}
		for i, o := range outs.items {
			p := path("outputs").index(i)
			if o.kind != kindString {
				return contentError(p, "must be a string, not %s", o.kind)
			}
			step, out, ok := strings.Cut(o.text, ".")
			if !ok || out == "" {
				return contentError(p, "%q must have the form stepName.outputName", o.text)
			}
			if _, found := names[step]; !found {
				return contentError(p, "%q refers to step %q, which the document does not define", o.text, step)
			}
		}
	}
	return nil
}

func validateAutomationStep(st *node, p path, names map[string]int) error {
	if err := requireString(st, p, "action", automationAction, "aws: followed by 3 to 25 letters"); err != nil {
		return err
	}
	switch in := st.get("inputs"); {
	case in == nil:
		return contentError(p.key("inputs"), "is required")
	case in.kind != kindObject:
		return contentError(p.key("inputs"), "must be an object, not %s", in.kind)
	}
	if err := optionalString(st, p, "description"); err != nil {
		return err
	}
	target := func(key, value string) error {
		if _, ok := names[value]; !ok {
			return contentError(p.key(key), "refers to step %q, which the document does not define", value)
		}
		return nil
	}
	for _, key := range []string{"onFailure", "onCancel"} {
		v := st.get(key)
		if v == nil {
			continue
		}
		if v.kind != kindString {
			return contentError(p.key(key), "must be a string, not %s", v.kind)
		}
		switch {
		case v.text == "Abort", v.text == "Continue" && key == "onFailure":
		case strings.HasPrefix(v.text, "step:"):
			if err := target(key, strings.TrimPrefix(v.text, "step:")); err != nil {
				return err
			}
		case key == "onFailure":
			return contentError(p.key(key), "%q is not valid; use Abort, Continue or step:<step name>", v.text)
		default:
			return contentError(p.key(key), "%q is not valid; use Abort or step:<step name>", v.text)
		}
	}
	if v := st.get("nextStep"); v != nil {
		if v.kind != kindString {
			return contentError(p.key("nextStep"), "must be a string, not %s", v.kind)
		}
		if err := target("nextStep", v.text); err != nil {
			return err
		}
	}
	for _, key := range []string{"isEnd", "isCritical"} {
		if v := st.get(key); v != nil && v.kind != kindBool && !isPlaceholder(v) {
			return contentError(p.key(key), "must be true or false, not %s", v.kind)
		}
	}
	for _, key := range []string{"maxAttempts", "timeoutSeconds"} {
		v := st.get(key)
		if v == nil || isPlaceholder(v) {
			continue
		}
		if n, ok := intOf(v); !ok || n < 1 {
			return contentError(p.key(key), "must be a positive integer")
		}
	}
	if outs := st.get("outputs"); outs != nil {
		if outs.kind != kindArray {
			return contentError(p.key("outputs"), "must be an array of {Name, Selector, Type}, not %s", outs.kind)
		}
		for j, o := range outs.items {
			op := p.key("outputs").index(j)
			if o.kind != kindObject {
				return contentError(op, "must be an object with Name, Selector and Type, not %s", o.kind)
			}
			for _, key := range []string{"Name", "Selector", "Type"} {
				v := o.get(key)
				if v == nil {
					return contentError(op.key(key), "is required")
				}
				if v.kind != kindString {
					return contentError(op.key(key), "must be a string, not %s", v.kind)
				}
			}
			if t := o.get("Type").text; !slices.Contains(outputTypes, t) {
				return contentError(op.key("Type"), "%q is not valid; use one of %s", t, strings.Join(outputTypes, ", "))
			}
		}
	}
	return nil
}

// validateVariables checks the runbook's variables: name → {type, default, description}.
func validateVariables(vars *node) error {
	if vars == nil {
		return nil
	}
	if vars.kind != kindObject {
		return contentError("variables", "must be an object, not %s", vars.kind)
	}
	for i, name := range vars.keys {
		p := path("variables").key(name)
		v := vars.vals[i]
		if v.kind != kindObject {
			return contentError(p, "must be an object with type and default, not %s", v.kind)
		}
		t := v.get("type")
		switch {
		case t == nil:
			return contentError(p.key("type"), "is required")
		case t.kind != kindString || !slices.Contains(outputTypes, t.text):
			return contentError(p.key("type"), "must be one of %s", strings.Join(outputTypes, ", "))
		}
	}
	return nil
}

// isPlaceholder reports whether v is a string holding a {{ … }} reference,
// which is resolved at run time.
func isPlaceholder(v *node) bool {
	return v.kind == kindString && strings.Contains(v.text, "{{")
}
