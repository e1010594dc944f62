package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/stewardhq/steward/agent/localdoc"
)

// runDocumentInputs are the inputs of aws:runDocument.
type runDocumentInputs struct {
	DocumentType       json.RawMessage `json:"documentType"`
	DocumentPath       json.RawMessage `json:"documentPath"`
	DocumentParameters json.RawMessage `json:"documentParameters"`
}

// runDocument runs another document's steps as sub-steps of this step:
// documentType SSMDocument fetches them from the server (documentPath is
// name, name:version or a document ARN), LocalPath reads a JSON or YAML
// document on the node (relative paths under the command's downloads
// directory). Nesting is bounded by MaxDocumentDepth.
func runDocument(ctx context.Context, env *Env, raw json.RawMessage) Result {
	var in runDocumentInputs
	if err := decodeInputs(raw, &in); err != nil {
		return failf(env, "%s: %v", ActionRunDocument, err)
	}
	if env.Documents == nil {
		return failf(env, "%s: nested documents are not available here", ActionRunDocument)
	}
	if env.Depth >= MaxDocumentDepth {
		return failf(env, "%s: documents may be nested at most %d deep", ActionRunDocument, MaxDocumentDepth)
	}
	docType, err := flexString(in.DocumentType)
	if err != nil {
		return failf(env, "%s: documentType: %v", ActionRunDocument, err)
	}
	docPath, err := flexString(in.DocumentPath)
	if err != nil || strings.TrimSpace(docPath) == "" {
		return failf(env, "%s: documentPath is required", ActionRunDocument)
	}
	docPath = strings.TrimSpace(docPath)
	params, err := ParseDocumentParameters(in.DocumentParameters)
	if err != nil {
		return failf(env, "%s: %v", ActionRunDocument, err)
	}

	switch strings.ToLower(strings.TrimSpace(docType)) {
	case "ssmdocument", "":
		name, version := SplitDocumentPath(docPath)
		doc, err := env.Documents.Fetch(ctx, name, version, documentRequestParams(params))
		if err != nil {
			if res, ok := ctxResult(ctx, nil); ok {
				res.Code = 1
				return res
			}
			return failf(env, "%s: fetching document %s: %v", ActionRunDocument, docPath, err)
		}
		return env.Documents.Run(ctx, doc.SchemaVersion, doc.Steps)
	case "localpath":
		p := docPath
		if !filepath.IsAbs(p) {
			p = filepath.Join(env.DownloadDir, p)
		}
		data, err := readLimited(p, localdoc.MaxSize)
		if err != nil {
			return failf(env, "%s: reading %s: %v", ActionRunDocument, p, err)
		}
		doc, err := localdoc.Parse(data)
		if err != nil {
			return failf(env, "%s: %s: %v", ActionRunDocument, p, err)
		}
		steps, err := doc.Steps(params)
		if err != nil {
			return failf(env, "%s: %s: %v", ActionRunDocument, p, err)
		}
		return env.Documents.Run(ctx, doc.SchemaVersion, steps)
	default:
		return failf(env, "%s: documentType %q must be SSMDocument or LocalPath", ActionRunDocument, docType)
	}
}

// ParseDocumentParameters reads documentParameters: a JSON object, or a
// string holding one; null, absent or "" is none. Values stay as decoded.
func ParseDocumentParameters(raw json.RawMessage) (map[string]any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("documentParameters: %v", err)
		}
		raw = bytes.TrimSpace([]byte(s))
		if len(raw) == 0 {
			return nil, nil
		}
	}
	if raw[0] != '{' {
		return nil, errors.New("documentParameters must be a JSON object (or a string holding one)")
	}
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("documentParameters: %v", err)
	}
	return m, nil
}

// documentRequestParams turns decoded values into the API form
// map<string, list<string>>: strings as one item, lists item by item,
// anything else as its JSON text.
func documentRequestParams(params map[string]any) map[string][]string {
	if len(params) == 0 {
		return nil
	}
	out := make(map[string][]string, len(params))
	for k, v := range params {
		switch v := v.(type) {
		case []any:
			l := make([]string, len(v))
			for i, e := range v {
				l[i] = textOf(e)
			}
			out[k] = l
		default:
			out[k] = []string{textOf(v)}
		}
	}
	return out
}

func textOf(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

var versionSuffix = regexp.MustCompile(`^(\$LATEST|\$DEFAULT|[1-9][0-9]*)$`)

// SplitDocumentPath splits "name", "name:version" or
// "arn:…:document/name[:version]" into name (or ARN) and version.
func SplitDocumentPath(p string) (name, version string) {
	i := strings.LastIndex(p, ":")
	if i < 0 {
		return p, ""
	}
	if strings.HasPrefix(p, "arn:") {
		// The version follows the name part: arn:aws:ssm:r:a:document/Name:3.
		slash := strings.LastIndex(p, "/")
		if slash < 0 || i < slash {
			return p, ""
		}
	}
	if versionSuffix.MatchString(p[i+1:]) {
		return p[:i], p[i+1:]
	}
	return p, ""
}

func readLimited(p string, max int64) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("larger than %d bytes", max)
	}
	return data, nil
}
