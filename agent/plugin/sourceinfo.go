package plugin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
)

// SourceInfo is the sourceInfo input of aws:downloadContent. It arrives as a
// JSON object, or — when it came through a StringMap document parameter or a
// hand-written document — as a JSON string holding an object; ParseSourceInfo
// accepts both. Values are kept as text (numbers and booleans in JSON form).
type SourceInfo map[string]string

// ParseSourceInfo decodes sourceInfo.
func ParseSourceInfo(raw json.RawMessage) (SourceInfo, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, errors.New("sourceInfo is required")
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("sourceInfo: %v", err)
		}
		raw = bytes.TrimSpace([]byte(s))
		if len(raw) == 0 {
			return nil, errors.New("sourceInfo is required")
		}
		if raw[0] != '{' {
			return nil, errors.New("sourceInfo must be a JSON object (or a string holding one)")
		}
	}
	if raw[0] != '{' {
		return nil, fmt.Errorf("sourceInfo must be a JSON object, not %s", jsonKind(raw))
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("sourceInfo: %v", err)
	}
	info := make(SourceInfo, len(m))
	for k, v := range m {
		s, err := flexString(v)
		if err != nil {
			return nil, fmt.Errorf("sourceInfo %s: %v", k, err)
		}
		info[k] = strings.TrimSpace(s)
	}
	return info, nil
}

// Get returns a value by key; keys match case-insensitively (the stock agent
// decodes into Go structs, which does the same).
func (si SourceInfo) Get(key string) string {
	if v, ok := si[key]; ok {
		return v
	}
	for k, v := range si {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return ""
}

// S3Object is an object named by an aws:downloadContent S3 path.
type S3Object struct {
	URL    *url.URL // what to GET
	Bucket string
	Key    string
	Region string // signing region; "" when the URL does not name one
}

// ParseS3Path reads the S3 sourceInfo path, which must be an object URL:
// virtual-hosted (https://bucket.s3[.region|-region].amazonaws.com/key),
// path-style on an AWS host (https://s3[.region|-region].amazonaws.com/bucket/key)
// or path-style on any other endpoint (https://endpoint/bucket/key). An
// s3://bucket/key URI is refused with a message saying so — the trap the
// seed article documents. When endpoint is set (an S3-compatible service),
// AWS-hosted URLs are fetched from it path-style, and URLs on its host keep
// its scheme (http is allowed there); other hosts must use https.
func ParseS3Path(p string, endpoint *url.URL) (*S3Object, error) {
	p = strings.TrimSpace(p)
	if p == "" {
		return nil, errors.New("sourceInfo path is required for sourceType S3")
	}
	if len(p) >= 5 && strings.EqualFold(p[:5], "s3://") {
		return nil, fmt.Errorf("sourceInfo path %q is an s3:// URI, but the path must be the object URL (https://<bucket>.s3.<region>.amazonaws.com/<key>, https://s3.<region>.amazonaws.com/<bucket>/<key> or https://<endpoint>/<bucket>/<key>)", p)
	}
	u, err := url.Parse(p)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("sourceInfo path %q is not an object URL (https://…/<bucket>/<key>)", p)
	}
	if u.User != nil {
		return nil, errors.New("sourceInfo path must not carry credentials")
	}
	onEndpoint := endpoint != nil && strings.EqualFold(u.Host, endpoint.Host)
	if u.Scheme != "https" && !onEndpoint {
		return nil, fmt.Errorf("sourceInfo path %q must use https", p)
	}
	obj := &S3Object{}
	rest := strings.TrimPrefix(u.Path, "/")
	host := strings.ToLower(u.Hostname())
	if bucket, region, ok := awsS3Host(host); ok {
		obj.Region = region
		if bucket != "" {
			obj.Bucket, obj.Key = bucket, rest
		} else {
			obj.Bucket, obj.Key, _ = strings.Cut(rest, "/")
		}
	} else {
		obj.Bucket, obj.Key, _ = strings.Cut(rest, "/")
	}
	if obj.Bucket == "" || obj.Key == "" {
		return nil, fmt.Errorf("sourceInfo path %q names no object: expected …/<bucket>/<key>", p)
	}
	if strings.HasSuffix(obj.Key, "/") {
		return nil, fmt.Errorf("sourceInfo path %q names a folder; this agent downloads single objects", p)
	}
	switch {
	case endpoint != nil && !onEndpoint && strings.HasSuffix(host, ".amazonaws.com"):
		// Fetch the AWS-addressed object from the configured endpoint.
		obj.URL = &url.URL{Scheme: endpoint.Scheme, Host: endpoint.Host,
			Path: path.Join("/", strings.TrimSuffix(endpoint.Path, "/"), obj.Bucket) + "/" + obj.Key}
	default:
		obj.URL = &url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	}
	return obj, nil
}

// awsS3Host recognises an AWS S3 host name: it returns the bucket for a
// virtual-hosted name ("" for path-style) and the region when the name
// carries one.
func awsS3Host(host string) (bucket, region string, ok bool) {
	if !strings.HasSuffix(host, ".amazonaws.com") {
		return "", "", false
	}
	labels := strings.Split(strings.TrimSuffix(host, ".amazonaws.com"), ".")
	// Scan from the right: a bucket name may itself start with "s3-".
	for i := len(labels) - 1; i >= 0; i-- {
		l := labels[i]
		if l != "s3" && !strings.HasPrefix(l, "s3-") {
			continue
		}
		bucket = strings.Join(labels[:i], ".")
		switch {
		case strings.HasPrefix(l, "s3-") && l != "s3-external-1":
			region = strings.TrimPrefix(l, "s3-")
		case l == "s3-external-1":
			region = "us-east-1"
		}
		for _, r := range labels[i+1:] {
			if r != "dualstack" && r != "accelerate" && r != "" {
				region = r
				break
			}
		}
		if region == "" {
			region = "us-east-1"
		}
		return bucket, region, true
	}
	return "", "", false
}
