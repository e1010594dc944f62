package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// DefaultGitHubAPIURL is the GitHub REST API.
const DefaultGitHubAPIURL = "https://api.github.com"

// GitHub folder downloads are bounded.
const (
	maxGitHubFiles = 1000
	maxGitHubDepth = 16
	maxListing     = 8 << 20
)

// githubEntry is one item of the contents API.
type githubEntry struct {
	Type string `json:"type"` // file | dir | symlink | submodule
	Name string `json:"name"`
	Path string `json:"path"`
}

// githubSource is a parsed GitHub sourceInfo.
type githubSource struct {
	base  *url.URL
	owner string
	repo  string
	path  string
	ref   string
	token string
}

// downloadGitHub: sourceInfo {"owner", "repository", "path", "getOptions"
// ("branch:<name>" or "commitID:<sha>"), "tokenInfo" (a token, normally
// {{ssm-secure:name}} already resolved by the agent)}. A file is fetched raw
// from the contents API; a folder is fetched file by file.
func downloadGitHub(ctx context.Context, env *Env, info SourceInfo, dest string) ([]string, error) {
	src, err := parseGitHubSource(env.GitHubAPIURL, info)
	if err != nil {
		return nil, err
	}
	var meta json.RawMessage
	if err := src.getJSON(ctx, env, src.path, &meta); err != nil {
		return nil, err
	}
	if len(meta) > 0 && meta[0] == '{' {
		var e githubEntry
		if err := json.Unmarshal(meta, &e); err != nil {
			return nil, fmt.Errorf("GitHub contents of %s: %v", src.path, err)
		}
		if e.Type != "file" {
			return nil, fmt.Errorf("GitHub path %q is a %s, not a file or folder", src.path, e.Type)
		}
		return save(env, dest, []fetched{src.file(ctx, env, e, "")})
	}
	var files []fetched
	if err := src.walk(ctx, env, meta, src.path, 0, &files); err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("GitHub folder %q holds no files", src.path)
	}
	target, _ := destination(env, dest)
	return save(env, target+"/", files)
}

func parseGitHubSource(base string, info SourceInfo) (*githubSource, error) {
	if base == "" {
		base = DefaultGitHubAPIURL
	}
	bu, err := url.Parse(strings.TrimSuffix(base, "/"))
	if err != nil || bu.Host == "" {
		return nil, fmt.Errorf("the agent's GitHub API URL %q is not a URL", base)
	}
	src := &githubSource{
		base:  bu,
		owner: info.Get("owner"),
		repo:  info.Get("repository"),
		path:  strings.Trim(info.Get("path"), "/"),
		token: info.Get("tokenInfo"),
	}
	if src.owner == "" || src.repo == "" {
		return nil, errors.New("sourceInfo owner and repository are required for sourceType GitHub")
	}
	if strings.Contains(src.owner, "/") || strings.Contains(src.repo, "/") {
		return nil, errors.New("sourceInfo owner and repository must be plain names")
	}
	if opt := info.Get("getOptions"); opt != "" {
		kind, val, ok := strings.Cut(opt, ":")
		val = strings.TrimSpace(val)
		switch k := strings.ToLower(strings.TrimSpace(kind)); {
		case !ok || val == "":
			return nil, fmt.Errorf("sourceInfo getOptions %q must be branch:<name> or commitID:<sha>", opt)
		case k == "branch" || k == "commitid":
			src.ref = val
		default:
			return nil, fmt.Errorf("sourceInfo getOptions %q must be branch:<name> or commitID:<sha>", opt)
		}
	}
	for _, seg := range strings.Split(src.path, "/") {
		if seg == ".." {
			return nil, fmt.Errorf("sourceInfo path %q must not contain ..", src.path)
		}
	}
	return src, nil
}

// contentsURL is {base}/repos/{owner}/{repo}/contents/{p}?ref=….
func (s *githubSource) contentsURL(p string) string {
	u := *s.base
	segs := []string{"repos", s.owner, s.repo, "contents"}
	if p != "" {
		segs = append(segs, strings.Split(p, "/")...)
	}
	esc := make([]string, len(segs))
	for i, seg := range segs {
		esc[i] = url.PathEscape(seg)
	}
	u.RawPath = strings.TrimSuffix(u.Path, "/") + "/" + strings.Join(esc, "/")
	u.Path = strings.TrimSuffix(u.Path, "/") + "/" + strings.Join(segs, "/")
	if s.ref != "" {
		u.RawQuery = url.Values{"ref": {s.ref}}.Encode()
	}
	return u.String()
}

func (s *githubSource) request(ctx context.Context, p, accept string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.contentsURL(p), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", "steward-agent")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	if s.token != "" {
		req.Header.Set("Authorization", "token "+s.token)
	}
	return req, nil
}

func (s *githubSource) getJSON(ctx context.Context, env *Env, p string, v any) error {
	req, err := s.request(ctx, p, "application/vnd.github+json")
	if err != nil {
		return err
	}
	body, err := get(env, req)
	if err != nil {
		return err
	}
	defer body.Close()
	data, err := io.ReadAll(io.LimitReader(body, maxListing))
	if err != nil {
		return fmt.Errorf("GitHub contents of %q: %v", p, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("GitHub contents of %q: %v", p, err)
	}
	return nil
}

// file fetches one file raw; rel is its path under the destination folder.
func (s *githubSource) file(ctx context.Context, env *Env, e githubEntry, rel string) fetched {
	return fetched{name: path.Base(e.Path), rel: rel, open: func() (io.ReadCloser, error) {
		req, err := s.request(ctx, e.Path, "application/vnd.github.raw")
		if err != nil {
			return nil, err
		}
		return get(env, req)
	}}
}

// walk lists a folder recursively into files.
func (s *githubSource) walk(ctx context.Context, env *Env, listing json.RawMessage, dir string, depth int, files *[]fetched) error {
	if depth > maxGitHubDepth {
		return fmt.Errorf("GitHub folder %q is nested too deeply", s.path)
	}
	var entries []githubEntry
	if err := json.Unmarshal(listing, &entries); err != nil {
		return fmt.Errorf("GitHub contents of %q: %v", dir, err)
	}
	for _, e := range entries {
		rel, ok := relUnder(s.path, e.Path)
		if !ok {
			return fmt.Errorf("GitHub listed %q outside the folder %q", e.Path, s.path)
		}
		switch e.Type {
		case "file":
			if len(*files) >= maxGitHubFiles {
				return fmt.Errorf("GitHub folder %q holds more than %d files", s.path, maxGitHubFiles)
			}
			*files = append(*files, s.file(ctx, env, e, rel))
		case "dir":
			var sub json.RawMessage
			if err := s.getJSON(ctx, env, e.Path, &sub); err != nil {
				return err
			}
			if err := s.walk(ctx, env, sub, e.Path, depth+1, files); err != nil {
				return err
			}
		}
	}
	return nil
}

// relUnder returns p relative to root when p is strictly inside it and
// clean (no "..", no absolute path).
func relUnder(root, p string) (string, bool) {
	if p == "" || strings.HasPrefix(p, "/") || path.Clean(p) != p {
		return "", false
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." || seg == "." {
			return "", false
		}
	}
	if root == "" {
		return p, true
	}
	rel, ok := strings.CutPrefix(p, root+"/")
	return rel, ok && rel != ""
}
