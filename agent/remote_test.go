package agent

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stewardhq/steward/agentproto"
)

// remoteScript is AWS-RunRemoteScript as the server resolves it (ssm.md §8):
// download into workingDirectory, then run commandLine there.
func remoteScript(id, sourceType string, sourceInfo any, commandLine string) agentproto.Message {
	dl, _ := json.Marshal(map[string]any{"sourceType": sourceType, "sourceInfo": sourceInfo, "destinationPath": ""})
	linux := json.RawMessage(`{"StringEquals": ["platformType", "Linux"]}`)
	windows := json.RawMessage(`{"StringEquals": ["platformType", "Windows"]}`)
	ps, _ := json.Marshal(map[string]any{"runCommand": []string{"", "$directory = Convert-Path .", " " + commandLine}, "workingDirectory": "", "timeoutSeconds": "3600"})
	sh, _ := json.Marshal(map[string]any{"runCommand": []string{"", "directory=$(pwd)", "export PATH=$PATH:$directory", " " + commandLine + " ", ""}, "workingDirectory": "", "timeoutSeconds": "3600"})
	m := command(id,
		agentproto.Step{Name: "downloadContent", Action: "aws:downloadContent", Inputs: dl},
		agentproto.Step{Name: "runPowerShellScript", Action: "aws:runPowerShellScript", Inputs: ps, Precondition: windows},
		agentproto.Step{Name: "runShellScript", Action: "aws:runShellScript", Inputs: sh, Precondition: linux},
	)
	m.Command.DocumentName = "AWS-RunRemoteScript"
	return m
}

func TestRemoteScriptFromPrivateGitHub(t *testing.T) {
	const token = "ghp_S3CR3T"
	gh := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "token "+token {
			http.Error(w, `{"message": "Bad credentials"}`, http.StatusUnauthorized)
			return
		}
		if r.URL.Path != "/repos/acme/ops/contents/maint/maintenance.sh" {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("Accept") == "application/vnd.github.raw" {
			fmt.Fprint(w, "#!/bin/sh\necho \"maintenance with $1 in $(basename $(pwd))\"\n")
			return
		}
		fmt.Fprint(w, `{"type": "file", "name": "maintenance.sh", "path": "maint/maintenance.sh"}`)
	}))
	defer gh.Close()
	f := newFakeServer(t)
	f.params["/github/token"] = token
	ta := startAgent(t, f, t.TempDir(), func(c *Config) { c.GitHubAPIURL = gh.URL })

	f.offer(remoteScript("remote", "GitHub",
		map[string]string{"owner": "acme", "repository": "ops", "path": "maint/maintenance.sh", "getOptions": "branch:main", "tokenInfo": "{{ssm-secure:/github/token}}"},
		"maintenance.sh key-123"))
	res := f.result("remote")
	got := []string{res.Steps[0].Status, res.Steps[1].Status, res.Steps[2].Status}
	if res.Status != agentproto.StatusSuccess || strings.Join(got, ",") != "Success,Skipped,Success" {
		t.Fatalf("result %s %v; stderr %q %q", res.Status, got, f.output("remote", "downloadContent", "stderr"), f.output("remote", "runShellScript", "stderr"))
	}
	if out := f.output("remote", "runShellScript", "stdout"); out != "maintenance with key-123 in downloads\n" {
		t.Fatalf("script output %q", out)
	}
	ta.shutdown(t)
	filepath.Walk(ta.dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			if b, _ := os.ReadFile(p); strings.Contains(string(b), token) {
				t.Errorf("%s holds the token", p)
			}
		}
		return nil
	})
}

func TestRemoteScriptS3URIFailsAtDownload(t *testing.T) {
	f := newFakeServer(t)
	startAgent(t, f, t.TempDir(), nil)
	// sourceInfo as the seed article passes it: a JSON string.
	f.offer(remoteScript("s3uri", "S3", `{"path":"s3://maint-bucket/maintenance.sh"}`, "maintenance.sh"))
	res := f.result("s3uri")
	if res.Status != agentproto.StatusFailed || res.Steps[0].Status != agentproto.StatusFailed {
		t.Fatalf("result %+v", res)
	}
	if msg := f.output("s3uri", "downloadContent", "stderr"); !strings.Contains(msg, "s3://") || !strings.Contains(msg, "object URL") {
		t.Fatalf("downloadContent stderr %q does not explain the object URL", msg)
	}
}
