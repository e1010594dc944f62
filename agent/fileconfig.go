package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// configFile is the optional settings file in the state directory.
const configFile = "config.json"

// FileConfig is DIR/config.json, the settings steward-agent run reads
// besides the identity. Unknown keys are an error. Example:
//
//	{"githubApiUrl": "https://github.example.com/api/v3",
//	 "s3": {"endpoint": "http://minio.lan:9000", "region": "us-east-1",
//	        "accessKeyId": "…", "secretAccessKey": "…"},
//	 "logLevel": "info",
//	 "metricsConfig": "/etc/steward-agent/amazon-cloudwatch-agent.json"}
type FileConfig struct {
	GitHubAPIURL string   `json:"githubApiUrl,omitempty"`
	S3           S3Config `json:"s3"`
	Shell        string   `json:"shell,omitempty"`
	PowerShell   string   `json:"powershell,omitempty"`
	// LogLevel is debug, info (default), warn or error.
	LogLevel string `json:"logLevel,omitempty"`
	// MetricsConfig is the path of a CloudWatch agent JSON config
	// (MetricsConfig); relative to the state directory unless absolute.
	// "" collects no metrics. steward-agent run --metrics-config overrides it.
	MetricsConfig string `json:"metricsConfig,omitempty"`
}

// LoadFileConfig reads stateDir/config.json; a missing file is the zero
// FileConfig.
func LoadFileConfig(stateDir string) (*FileConfig, error) {
	data, err := os.ReadFile(filepath.Join(stateDir, configFile))
	if errors.Is(err, fs.ErrNotExist) {
		return &FileConfig{}, nil
	}
	if err != nil {
		return nil, err
	}
	var fc FileConfig
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&fc); err != nil {
		return nil, fmt.Errorf("agent: %s: %w", configFile, err)
	}
	if _, err := fc.Level(); err != nil {
		return nil, err
	}
	return &fc, nil
}

// Level is the slog level of LogLevel.
func (fc *FileConfig) Level() (slog.Level, error) {
	switch strings.ToLower(fc.LogLevel) {
	case "", "info":
		return slog.LevelInfo, nil
	case "debug":
		return slog.LevelDebug, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("agent: %s: logLevel %q is not debug, info, warn or error", configFile, fc.LogLevel)
}

// Apply copies the settings into cfg.
func (fc *FileConfig) Apply(cfg *Config) {
	cfg.GitHubAPIURL = fc.GitHubAPIURL
	cfg.S3 = fc.S3
	cfg.ShellPath = fc.Shell
	cfg.PowerShellPath = fc.PowerShell
}

// MetricsConfigPath is MetricsConfig resolved against stateDir; "" when
// unset.
func (fc *FileConfig) MetricsConfigPath(stateDir string) string {
	if fc.MetricsConfig == "" || filepath.IsAbs(fc.MetricsConfig) {
		return fc.MetricsConfig
	}
	return filepath.Join(stateDir, fc.MetricsConfig)
}
