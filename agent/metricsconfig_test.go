package agent

import (
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/agentproto"
)

// The S5 seed's config: procstat patterns, pid_count, 60 s, InstanceId.
const s5Config = `{
  "agent": {"metrics_collection_interval": 60, "run_as_user": "cwagent"},
  "metrics": {
    "append_dimensions": {"InstanceId": "${aws:InstanceId}"},
    "metrics_collected": {
      "procstat": [
        {"pattern": "nginx", "measurement": ["pid_count"]},
        {"pattern": "sshd", "measurement": ["pid_count"]},
        {"pattern": "mysqld", "measurement": ["pid_count"], "metrics_collection_interval": 30}
      ]
    }
  }
}`

func TestParseMetricsConfigSeed(t *testing.T) {
	cfg, err := ParseMetricsConfig([]byte(s5Config), "web-1")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Namespace != "CWAgent" || cfg.Interval != time.Minute || cfg.FlushInterval != time.Minute {
		t.Fatalf("defaults: %+v", cfg)
	}
	if !cfg.InstanceID || cfg.Host != "" {
		t.Fatalf("append_dimensions drops host and asks for InstanceId: %+v", cfg)
	}
	if len(cfg.Procstat) != 3 || cfg.Procstat[0].Selector != SelectorPattern || cfg.Procstat[0].Value != "nginx" ||
		cfg.Procstat[0].Interval != time.Minute || cfg.Procstat[2].Interval != 30*time.Second {
		t.Fatalf("procstat: %+v", cfg.Procstat)
	}
	if m := cfg.Procstat[1].Measurements; len(m) != 1 || metricName("procstat", m[0]) != "procstat_lookup_pid_count" {
		t.Fatalf("measurements: %+v", m)
	}
	if len(cfg.Warnings) != 1 || !strings.Contains(cfg.Warnings[0], "run_as_user") {
		t.Fatalf("warnings: %q", cfg.Warnings)
	}
}

func TestParseMetricsConfigPlugins(t *testing.T) {
	cfg, err := ParseMetricsConfig([]byte(`{
	  "agent": {"metrics_collection_interval": 10, "omit_hostname": false},
	  "metrics": {
	    "namespace": "Steward/Nodes", "force_flush_interval": 5,
	    "metrics_collected": {
	      "cpu": {"measurement": ["cpu_usage_active", "usage_idle", {"name": "cpu_usage_user", "rename": "CPU_USER", "unit": "Percent"}, "cpu_time_user"],
	              "totalcpu": true, "resources": ["*"]},
	      "mem": {"measurement": ["mem_used_percent", "available_percent"], "metrics_collection_interval": 1, "append_dimensions": {"team": "ops"}},
	      "disk": {"measurement": ["used_percent"], "resources": ["/"], "drop_device": true, "ignore_file_system_types": ["tmpfs"]},
	      "procstat": [{"exe": "^sshd$", "pid_file": "/run/sshd.pid", "measurement": ["pid_count", "memory_rss"]}],
	      "diskio": {"measurement": ["reads"]}
	    }
	  },
	  "logs": {"logs_collected": {}}
	}`), "web-1")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Namespace != "Steward/Nodes" || cfg.Interval != 10*time.Second || cfg.FlushInterval != 5*time.Second || cfg.Host != "web-1" || cfg.InstanceID {
		t.Fatalf("config: %+v", cfg)
	}
	if c := cfg.CPU; c == nil || !c.TotalCPU || !c.PerCPU || len(c.Measurements) != 3 || c.Interval != 10*time.Second ||
		metricName("cpu", c.Measurements[0]) != "cpu_usage_active" || metricName("cpu", c.Measurements[2]) != "CPU_USER" {
		t.Fatalf("cpu: %+v", cfg.CPU)
	}
	if m := cfg.Mem; m == nil || m.Interval != time.Second || len(m.AppendDimensions) != 1 || m.AppendDimensions[0] != (agentproto.Dimension{Name: "team", Value: "ops"}) ||
		metricName("mem", m.Measurements[0]) != "mem_used_percent" {
		t.Fatalf("mem: %+v", cfg.Mem)
	}
	if d := cfg.Disk; d == nil || !d.DropDevice || len(d.Paths) != 1 || d.IgnoreTypes[0] != "tmpfs" {
		t.Fatalf("disk: %+v", cfg.Disk)
	}
	if p := cfg.Procstat[0]; p.Selector != SelectorPidFile || p.Value != "/run/sshd.pid" {
		t.Fatalf("pid_file wins: %+v", p)
	}
	warned := strings.Join(cfg.Warnings, "\n")
	for _, w := range []string{"cpu_time_user", "diskio", "logs"} {
		if !strings.Contains(warned, w) {
			t.Errorf("no warning about %s: %s", w, warned)
		}
	}

	// omit_hostname drops host; the on-prem-less append_dimensions are
	// dropped with a warning (and still drop host).
	cfg, err = ParseMetricsConfig([]byte(`{"agent": {"omit_hostname": true}, "metrics": {"metrics_collected": {"mem": {"measurement": ["used_percent"]}}}}`), "web-1")
	if err != nil || cfg.Host != "" {
		t.Fatalf("omit_hostname: %+v %v", cfg, err)
	}
	cfg, err = ParseMetricsConfig([]byte(`{"metrics": {"append_dimensions": {"ImageId": "${aws:ImageId}", "InstanceType": "${aws:InstanceType}", "AutoScalingGroupName": "${aws:AutoScalingGroupName}"},
	  "metrics_collected": {"mem": {"measurement": ["used_percent"]}}}}`), "web-1")
	if err != nil || cfg.Host != "" || cfg.InstanceID || len(cfg.Warnings) != 3 {
		t.Fatalf("on-prem append_dimensions: %+v %v", cfg, err)
	}
}

func TestParseMetricsConfigErrors(t *testing.T) {
	for name, tc := range map[string]struct{ config, want string }{
		"not JSON":           {`{`, "unexpected EOF"},
		"unknown top key":    {`{"metrix": {}}`, `unknown field "metrix"`},
		"unknown agent key":  {`{"agent": {"interval": 5}, "metrics": {"metrics_collected": {"mem": {"measurement": ["used_percent"]}}}}`, `unknown field "interval"`},
		"no metrics":         {`{"agent": {}}`, "metrics_collected is missing"},
		"empty collected":    {`{"metrics": {"metrics_collected": {}}}`, "metrics_collected is missing"},
		"unknown plugin":     {`{"metrics": {"metrics_collected": {"cpux": {}}}}`, "cpux is not a CloudWatch agent plugin"},
		"only other plugins": {`{"metrics": {"metrics_collected": {"swap": {"measurement": ["used_percent"]}}}}`, "nothing to collect"},
		"AWS namespace":      {`{"metrics": {"namespace": "AWS/EC2", "metrics_collected": {"mem": {"measurement": ["used_percent"]}}}}`, "reserved"},
		"zero interval":      {`{"agent": {"metrics_collection_interval": 0}, "metrics": {"metrics_collected": {"mem": {"measurement": ["used_percent"]}}}}`, "metrics_collection_interval"},
		"fractional":         {`{"agent": {"metrics_collection_interval": 1.5}, "metrics": {"metrics_collected": {"mem": {"measurement": ["used_percent"]}}}}`, "metrics_collection_interval"},
		"bad append key":     {`{"metrics": {"append_dimensions": {"Team": "ops"}, "metrics_collected": {"mem": {"measurement": ["used_percent"]}}}}`, "append_dimensions"},
		"bad append value":   {`{"metrics": {"append_dimensions": {"InstanceId": "i-123"}, "metrics_collected": {"mem": {"measurement": ["used_percent"]}}}}`, "append_dimensions"},
		"no measurement":     {`{"metrics": {"metrics_collected": {"mem": {}}}}`, "mem.measurement is required"},
		"bad measurement":    {`{"metrics": {"metrics_collected": {"mem": {"measurement": ["used_precent"]}}}}`, `"used_precent" is not a mem measurement`},
		"bad unit":           {`{"metrics": {"metrics_collected": {"mem": {"measurement": [{"name": "used", "unit": "Bananas"}]}}}}`, "not a CloudWatch unit"},
		"procstat object":    {`{"metrics": {"metrics_collected": {"procstat": {"pattern": "x"}}}}`, "must be an array"},
		"no selector":        {`{"metrics": {"metrics_collected": {"procstat": [{"measurement": ["pid_count"]}]}}}`, "procstat[0] needs one of pid_file, exe and pattern"},
		"bad regexp":         {`{"metrics": {"metrics_collected": {"procstat": [{"pattern": "nginx(", "measurement": ["pid_count"]}]}}}`, "not a regular expression"},
		"procstat key":       {`{"metrics": {"metrics_collected": {"procstat": [{"pattern": "x", "measurements": ["pid_count"]}]}}}`, `unknown field "measurements"`},
		"cpu resources":      {`{"metrics": {"metrics_collected": {"cpu": {"measurement": ["usage_idle"], "resources": ["cpu0"]}}}}`, `resources takes only ["*"]`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseMetricsConfig([]byte(tc.config), "h")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one about %q", err, tc.want)
			}
		})
	}
}

func FuzzParseMetricsConfig(f *testing.F) {
	f.Add([]byte(s5Config))
	f.Add([]byte(`{"metrics": {"metrics_collected": {"cpu": {"measurement": [{"name": "usage_idle"}]}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseMetricsConfig(data, "h")
		if err == nil && len(cfg.Procstat) == 0 && cfg.CPU == nil && cfg.Mem == nil && cfg.Disk == nil {
			t.Fatal("accepted a config that collects nothing")
		}
	})
}
