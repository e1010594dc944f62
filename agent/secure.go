package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/stewardhq/steward/agent/plugin"
	"github.com/stewardhq/steward/agentproto"
)

// securePlaceholder matches {{ssm-secure:name}}; group 1 is the name.
var securePlaceholder = regexp.MustCompile(`\{\{\s*ssm-secure:([^{}\s]+)\s*\}\}`)

// resolveSecure replaces {{ssm-secure:name}} placeholders in a step's
// inputs with their values, fetched from the server right before the step
// runs. The values stay in memory: they are added to the command's masked
// secrets and never stored or logged.
func (r *commandRun) resolveSecure(ctx context.Context, action string, inputs json.RawMessage) (json.RawMessage, error) {
	if !bytes.Contains(inputs, []byte("ssm-secure:")) {
		return inputs, nil
	}
	var top any
	d := json.NewDecoder(bytes.NewReader(inputs))
	d.UseNumber()
	if err := d.Decode(&top); err != nil {
		return nil, fmt.Errorf("invalid step inputs: %v", err)
	}
	names := map[string]bool{}
	if m, ok := top.(map[string]any); ok {
		for k, v := range m {
			found := map[string]bool{}
			collectSecure(v, found)
			if len(found) > 0 && !plugin.SecureInputAllowed(action, k) {
				return nil, fmt.Errorf("{{ssm-secure:…}} cannot be used in %s of %s: the script is written to disk; pass the value through the environment input instead", k, action)
			}
			for n := range found {
				names[n] = true
			}
		}
	} else {
		collectSecure(top, names)
	}
	if len(names) == 0 {
		return inputs, nil
	}
	list := make([]string, 0, len(names))
	for n := range names {
		list = append(list, n)
	}
	sort.Strings(list)
	var resp agentproto.ParametersResponse
	err := r.a.c.call(ctx, agentproto.PathParameters, r.a.cfg.RequestTimeout, agentproto.ParametersRequest{CommandID: r.id, Names: list}, &resp)
	if err != nil {
		return nil, fmt.Errorf("resolving {{ssm-secure:…}} parameters: %v", err)
	}
	if len(resp.Invalid) > 0 {
		return nil, fmt.Errorf("Input contains invalid parameters: %s", strings.Join(resp.Invalid, ", "))
	}
	for _, n := range list {
		if _, ok := resp.Values[n]; !ok {
			return nil, fmt.Errorf("Input contains invalid parameters: %s", n)
		}
	}
	vals := make([]string, 0, len(resp.Values))
	for _, v := range resp.Values {
		vals = append(vals, v)
	}
	r.secrets.add(vals...)
	out, err := json.Marshal(replaceSecure(top, resp.Values))
	if err != nil {
		return nil, errors.New("re-encoding the step inputs failed")
	}
	return out, nil
}

func collectSecure(v any, names map[string]bool) {
	switch v := v.(type) {
	case string:
		for _, m := range securePlaceholder.FindAllStringSubmatch(v, -1) {
			names[m[1]] = true
		}
	case []any:
		for _, e := range v {
			collectSecure(e, names)
		}
	case map[string]any:
		for _, e := range v {
			collectSecure(e, names)
		}
	}
}

func replaceSecure(v any, values map[string]string) any {
	switch v := v.(type) {
	case string:
		return securePlaceholder.ReplaceAllStringFunc(v, func(ph string) string {
			return values[securePlaceholder.FindStringSubmatch(ph)[1]]
		})
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = replaceSecure(e, values)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = replaceSecure(e, values)
		}
		return out
	}
	return v
}
