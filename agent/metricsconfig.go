package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/stewardhq/steward/agentproto"
)

// MetricsConfig is the part of a CloudWatch agent JSON config
// (amazon-cloudwatch-agent.json) that steward-agent acts on: the agent
// section's metrics_collection_interval and omit_hostname, and the metrics
// section's namespace, append_dimensions, force_flush_interval and the
// procstat, cpu, mem and disk plugins of metrics_collected. Names and
// dimensions are the CloudWatch agent's on Linux (procstat_lookup_pid_count,
// cpu_usage_active with cpu=cpu-total, mem_used_percent, disk_used_percent
// with path, device and fstype, …).
//
// Parts of a CloudWatch agent config that do not matter here (the logs
// section, run_as_user, credentials, aggregation_dimensions, the other
// plugins of metrics_collected, measurements not collected yet) are
// accepted and listed in Warnings; keys the CloudWatch agent does not know
// either are errors.
//
// On-prem, only ${aws:InstanceId} of the global append_dimensions has a
// value (the node's mi- ID); ImageId, InstanceType and AutoScalingGroupName
// are dropped, with a warning.
type MetricsConfig struct {
	Namespace string
	// Interval is agent.metrics_collection_interval (default 60 s), the
	// interval of every plugin that sets none.
	Interval time.Duration
	// FlushInterval is metrics.force_flush_interval (default 60 s): how
	// often collected data is sent (also whenever MaxMetricData are waiting).
	FlushInterval time.Duration
	// Host is the host dimension's value; "" when there is none
	// (append_dimensions given, or omit_hostname).
	Host string
	// InstanceID is true when append_dimensions asks for ${aws:InstanceId}.
	InstanceID bool

	Procstat []*ProcstatConfig
	CPU      *CPUConfig
	Mem      *PluginConfig
	Disk     *DiskConfig

	// Warnings name what the config asks for that is not done.
	Warnings []string
}

// Measurement is one entry of a plugin's measurement list: Name without the
// plugin prefix ("used_percent"), Rename the metric name to publish instead
// ("" is plugin_name), Unit the unit to publish ("" is the default).
type Measurement struct {
	Name, Rename, Unit string
}

// PluginConfig is what every plugin of metrics_collected takes.
type PluginConfig struct {
	Measurements     []Measurement
	Interval         time.Duration
	AppendDimensions []agentproto.Dimension // per-plugin pairs, sorted
}

// CPUConfig is metrics_collected.cpu.
type CPUConfig struct {
	PluginConfig
	TotalCPU bool // cpu=cpu-total (default true)
	PerCPU   bool // resources ["*"]: cpu=cpu0, cpu1, …
}

// DiskConfig is metrics_collected.disk.
type DiskConfig struct {
	PluginConfig
	Paths       []string // resources; nil is every mount ("*")
	IgnoreTypes []string // ignore_file_system_types
	DropDevice  bool
}

// Procstat selectors, as dimension names.
const (
	SelectorPidFile = "pidfile"
	SelectorExe     = "exe"
	SelectorPattern = "pattern"
)

// ProcstatConfig is one entry of metrics_collected.procstat. Exactly one
// selector is used: pid_file wins, else exe (a regular expression matched
// anywhere in the process name), else pattern (matched anywhere in the full
// command line).
type ProcstatConfig struct {
	Selector     string // SelectorPidFile, SelectorExe or SelectorPattern
	Value        string
	Measurements []Measurement
	Interval     time.Duration

	re *regexp.Regexp // exe and pattern
}

// Defaults of a CloudWatch agent config.
const (
	DefaultMetricsNamespace = "CWAgent"
	DefaultMetricsInterval  = 60 * time.Second
)

// The global append_dimensions the CloudWatch agent accepts, each with its
// only value.
var appendDimensionKeys = []string{"AutoScalingGroupName", "ImageId", "InstanceId", "InstanceType"}

// Measurements by plugin: what steward-agent collects, and what the
// CloudWatch agent also knows (accepted with a warning, not collected).
var (
	procstatMeasurements = []string{"pid_count", "pid", "cpu_usage", "memory_rss", "memory_vms", "num_threads"}
	procstatKnown        = []string{"cpu_time", "cpu_time_user", "cpu_time_system", "cpu_time_guest", "cpu_time_guest_nice", "cpu_time_idle", "cpu_time_iowait", "cpu_time_irq", "cpu_time_nice", "cpu_time_soft_irq", "cpu_time_steal", "cpu_time_stolen",
		"involuntary_context_switches", "voluntary_context_switches", "memory_data", "memory_locked", "memory_stack", "memory_swap", "nice_priority", "realtime_priority", "num_fds",
		"read_bytes", "write_bytes", "read_count", "write_count", "signals_pending"}
	cpuMeasurements  = []string{"usage_active", "usage_idle", "usage_user", "usage_system", "usage_iowait", "usage_nice", "usage_irq", "usage_softirq", "usage_steal", "usage_guest", "usage_guest_nice"}
	cpuKnown         = []string{"time_active", "time_idle", "time_user", "time_system", "time_iowait", "time_nice", "time_irq", "time_softirq", "time_steal", "time_guest", "time_guest_nice"}
	memMeasurements  = []string{"used_percent", "available_percent", "used", "total", "available", "free", "cached", "buffered", "active", "inactive"}
	diskMeasurements = []string{"used_percent", "free", "used", "total", "inodes_free", "inodes_used", "inodes_total"}
	// otherPlugins are CloudWatch agent plugins steward-agent does not run.
	otherPlugins = []string{"collectd", "diskio", "ethtool", "net", "netstat", "nvidia_gpu", "processes", "statsd", "swap", "jmx", "otlp", "prometheus"}
)

// metricUnits is CloudWatch's StandardUnit enum (a measurement's unit).
var metricUnits = []string{"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
	"Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
	"Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
	"Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None"}

// The JSON shapes. Fields of type json.RawMessage are CloudWatch agent
// settings that are accepted and not used.
type (
	rawMetricsConfig struct {
		Agent   *rawAgentSection   `json:"agent"`
		Metrics *rawMetricsSection `json:"metrics"`
		Logs    json.RawMessage    `json:"logs"`
		Traces  json.RawMessage    `json:"traces"`
	}
	rawAgentSection struct {
		Interval       *int            `json:"metrics_collection_interval"`
		OmitHostname   bool            `json:"omit_hostname"`
		RunAsUser      json.RawMessage `json:"run_as_user"`
		Debug          json.RawMessage `json:"debug"`
		Quiet          json.RawMessage `json:"quiet"`
		Logfile        json.RawMessage `json:"logfile"`
		Region         json.RawMessage `json:"region"`
		Credentials    json.RawMessage `json:"credentials"`
		UsageData      json.RawMessage `json:"usage_data"`
		AWSSDKLogLevel json.RawMessage `json:"aws_sdk_log_level"`
		UserAgent      json.RawMessage `json:"user_agent"`
	}
	rawMetricsSection struct {
		Namespace             *string                    `json:"namespace"`
		AppendDimensions      map[string]string          `json:"append_dimensions"`
		AggregationDimensions json.RawMessage            `json:"aggregation_dimensions"`
		ForceFlushInterval    *int                       `json:"force_flush_interval"`
		EndpointOverride      json.RawMessage            `json:"endpoint_override"`
		Credentials           json.RawMessage            `json:"credentials"`
		MetricsDestinations   json.RawMessage            `json:"metrics_destinations"`
		Collected             map[string]json.RawMessage `json:"metrics_collected"`
	}
	rawPlugin struct {
		Measurement      []rawMeasurement  `json:"measurement"`
		Interval         *int              `json:"metrics_collection_interval"`
		AppendDimensions map[string]string `json:"append_dimensions"`
		Resources        []string          `json:"resources"`
		TotalCPU         *bool             `json:"totalcpu"`
		DropDevice       bool              `json:"drop_device"`
		IgnoreFSTypes    []string          `json:"ignore_file_system_types"`
		ReportDeltas     json.RawMessage   `json:"report_deltas"`
	}
	rawProcstat struct {
		PidFile     string           `json:"pid_file"`
		Exe         string           `json:"exe"`
		Pattern     string           `json:"pattern"`
		Measurement []rawMeasurement `json:"measurement"`
		Interval    *int             `json:"metrics_collection_interval"`
	}
	// rawMeasurement is "name" or {"name": …, "rename": …, "unit": …}.
	rawMeasurement Measurement
)

func (m *rawMeasurement) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &m.Name)
	}
	var o struct {
		Name   string `json:"name"`
		Rename string `json:"rename"`
		Unit   string `json:"unit"`
	}
	if err := strictJSON(b, &o); err != nil {
		return fmt.Errorf("a measurement is a name or {\"name\", \"rename\", \"unit\"}: %w", err)
	}
	*m = rawMeasurement{Name: o.Name, Rename: o.Rename, Unit: o.Unit}
	return nil
}

func strictJSON(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// LoadMetricsConfig reads and parses a CloudWatch agent config file.
func LoadMetricsConfig(path, hostname string) (*MetricsConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("agent: metrics config: %w", err)
	}
	cfg, err := ParseMetricsConfig(data, hostname)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return cfg, nil
}

// ParseMetricsConfig parses a CloudWatch agent JSON config; hostname is the
// value of the host dimension. Errors say which key is wrong.
func ParseMetricsConfig(data []byte, hostname string) (*MetricsConfig, error) {
	var raw rawMetricsConfig
	if err := strictJSON(data, &raw); err != nil {
		return nil, fmt.Errorf("agent: metrics config: %w", err)
	}
	cfg, err := raw.build(hostname)
	if err != nil {
		return nil, fmt.Errorf("agent: metrics config: %w", err)
	}
	return cfg, nil
}

func (raw *rawMetricsConfig) build(hostname string) (*MetricsConfig, error) {
	cfg := &MetricsConfig{Namespace: DefaultMetricsNamespace, Interval: DefaultMetricsInterval, FlushInterval: DefaultMetricsInterval}
	omitHost := false
	if a := raw.Agent; a != nil {
		if a.Interval != nil {
			d, err := seconds("agent.metrics_collection_interval", *a.Interval)
			if err != nil {
				return nil, err
			}
			cfg.Interval = d
		}
		omitHost = a.OmitHostname
		for key, v := range map[string]json.RawMessage{"run_as_user": a.RunAsUser, "credentials": a.Credentials} {
			if v != nil {
				cfg.warn("agent.%s is not used: steward-agent runs as its own user and publishes through its node identity", key)
			}
		}
	}
	if raw.Logs != nil {
		cfg.warn("the logs section is not used: steward-agent collects metrics only")
	}
	if raw.Traces != nil {
		cfg.warn("the traces section is not used")
	}
	m := raw.Metrics
	if m == nil || len(m.Collected) == 0 {
		return nil, errors.New("metrics.metrics_collected is missing or empty: the config collects no metrics")
	}
	if m.Namespace != nil {
		ns := *m.Namespace
		switch {
		case ns == "" || len(ns) > 255:
			return nil, errors.New("metrics.namespace must be 1 to 255 characters")
		case strings.HasPrefix(ns, "AWS/"):
			return nil, fmt.Errorf("metrics.namespace %q: the AWS/ prefix is reserved for AWS services", ns)
		case ns[0] == ':':
			return nil, fmt.Errorf("metrics.namespace %q must not begin with ':'", ns)
		}
		cfg.Namespace = ns
	}
	if m.ForceFlushInterval != nil {
		d, err := seconds("metrics.force_flush_interval", *m.ForceFlushInterval)
		if err != nil {
			return nil, err
		}
		cfg.FlushInterval = d
	}
	for _, k := range sortedKeys(m.AppendDimensions) {
		v := m.AppendDimensions[k]
		if !slices.Contains(appendDimensionKeys, k) || v != "${aws:"+k+"}" {
			return nil, fmt.Errorf("metrics.append_dimensions: %q: %q is not allowed; the global append_dimensions takes only ImageId, InstanceId, InstanceType and AutoScalingGroupName, each with its ${aws:…} value (per-plugin append_dimensions take any pair)", k, v)
		}
		if k == agentproto.DimensionInstanceID {
			cfg.InstanceID = true
		} else {
			cfg.warn("metrics.append_dimensions.%s has no value on an on-prem node and is dropped", k)
		}
	}
	if len(m.AppendDimensions) == 0 && !omitHost {
		cfg.Host = hostname
	}
	if m.AggregationDimensions != nil {
		cfg.warn("metrics.aggregation_dimensions is not used: data is published with its full dimensions only")
	}
	if m.EndpointOverride != nil || m.Credentials != nil || m.MetricsDestinations != nil {
		cfg.warn("metrics.endpoint_override, credentials and metrics_destinations are not used: data goes to the Steward server the node is registered with")
	}
	for _, name := range sortedKeys(m.Collected) {
		body := m.Collected[name]
		var err error
		switch name {
		case "procstat":
			err = cfg.parseProcstat(body)
		case "cpu":
			err = cfg.parseCPU(body)
		case "mem":
			var p *rawPlugin
			if p, err = decodePlugin(name, body); err == nil {
				cfg.Mem = &PluginConfig{}
				err = cfg.pluginCommon(cfg.Mem, name, p, memMeasurements, nil)
			}
		case "disk":
			err = cfg.parseDisk(body)
		default:
			if !slices.Contains(otherPlugins, name) {
				return nil, fmt.Errorf("metrics.metrics_collected.%s is not a CloudWatch agent plugin", name)
			}
			cfg.warn("metrics.metrics_collected.%s is not collected by steward-agent (procstat, cpu, mem and disk are)", name)
		}
		if err != nil {
			return nil, err
		}
	}
	if len(cfg.Procstat) == 0 && cfg.CPU == nil && cfg.Mem == nil && cfg.Disk == nil {
		return nil, errors.New("metrics.metrics_collected has none of procstat, cpu, mem and disk: nothing to collect")
	}
	return cfg, nil
}

func (cfg *MetricsConfig) warn(format string, args ...any) {
	cfg.Warnings = append(cfg.Warnings, fmt.Sprintf(format, args...))
}

func seconds(key string, n int) (time.Duration, error) {
	if n < 1 || n > 24*3600 {
		return 0, fmt.Errorf("%s must be a whole number of seconds from 1 to 86400, not %d", key, n)
	}
	return time.Duration(n) * time.Second, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func decodePlugin(name string, body json.RawMessage) (*rawPlugin, error) {
	var p rawPlugin
	if err := strictJSON(body, &p); err != nil {
		return nil, fmt.Errorf("metrics.metrics_collected.%s: %w", name, err)
	}
	return &p, nil
}

// pluginCommon fills in measurements, interval and append_dimensions.
func (cfg *MetricsConfig) pluginCommon(pc *PluginConfig, name string, p *rawPlugin, supported, known []string) error {
	key := "metrics.metrics_collected." + name
	var err error
	if pc.Measurements, err = cfg.measurements(key, name, p.Measurement, supported, known); err != nil {
		return err
	}
	if pc.Interval, err = cfg.interval(key, p.Interval); err != nil {
		return err
	}
	for _, k := range sortedKeys(p.AppendDimensions) {
		v := p.AppendDimensions[k]
		if k == "" || v == "" || len(k) > 255 || len(v) > 1024 {
			return fmt.Errorf("%s.append_dimensions: names are 1 to 255 characters and values 1 to 1024", key)
		}
		pc.AppendDimensions = append(pc.AppendDimensions, agentproto.Dimension{Name: k, Value: v})
	}
	if p.ReportDeltas != nil {
		cfg.warn("%s.report_deltas is not used", key)
	}
	return nil
}

func (cfg *MetricsConfig) interval(key string, n *int) (time.Duration, error) {
	if n == nil {
		return cfg.Interval, nil
	}
	return seconds(key+".metrics_collection_interval", *n)
}

// measurements checks a measurement list: names with or without the
// plugin prefix; known CloudWatch agent measurements that are not collected
// are dropped with a warning; anything else is an error.
func (cfg *MetricsConfig) measurements(key, plugin string, raw []rawMeasurement, supported, known []string) ([]Measurement, error) {
	if len(raw) == 0 {
		return nil, fmt.Errorf("%s.measurement is required: list what to collect (%s)", key, strings.Join(supported, ", "))
	}
	var out []Measurement
	for _, r := range raw {
		m := Measurement(r)
		m.Name = strings.TrimPrefix(m.Name, plugin+"_")
		switch {
		case slices.Contains(supported, m.Name):
		case slices.Contains(known, m.Name):
			cfg.warn("%s.measurement %q is not collected by steward-agent", key, r.Name)
			continue
		default:
			return nil, fmt.Errorf("%s.measurement %q is not a %s measurement (steward-agent collects %s)", key, r.Name, plugin, strings.Join(supported, ", "))
		}
		if m.Unit != "" && !slices.Contains(metricUnits, m.Unit) {
			return nil, fmt.Errorf("%s.measurement %q: unit %q is not a CloudWatch unit", key, r.Name, m.Unit)
		}
		if len(m.Rename) > 255 {
			return nil, fmt.Errorf("%s.measurement %q: rename is longer than 255 characters", key, r.Name)
		}
		out = append(out, m)
	}
	return out, nil
}

func (cfg *MetricsConfig) parseCPU(body json.RawMessage) error {
	p, err := decodePlugin("cpu", body)
	if err != nil {
		return err
	}
	c := &CPUConfig{TotalCPU: p.TotalCPU == nil || *p.TotalCPU}
	if err := cfg.pluginCommon(&c.PluginConfig, "cpu", p, cpuMeasurements, cpuKnown); err != nil {
		return err
	}
	switch {
	case len(p.Resources) == 0:
	case len(p.Resources) == 1 && p.Resources[0] == "*":
		c.PerCPU = true
	default:
		return errors.New(`metrics.metrics_collected.cpu.resources takes only ["*"] (every core)`)
	}
	if p.DropDevice || p.IgnoreFSTypes != nil {
		return errors.New("metrics.metrics_collected.cpu: drop_device and ignore_file_system_types are disk settings")
	}
	if !c.TotalCPU && !c.PerCPU {
		return errors.New(`metrics.metrics_collected.cpu: totalcpu is false and resources is not ["*"]: nothing to collect`)
	}
	cfg.CPU = c
	return nil
}

func (cfg *MetricsConfig) parseDisk(body json.RawMessage) error {
	p, err := decodePlugin("disk", body)
	if err != nil {
		return err
	}
	d := &DiskConfig{DropDevice: p.DropDevice, IgnoreTypes: p.IgnoreFSTypes}
	if err := cfg.pluginCommon(&d.PluginConfig, "disk", p, diskMeasurements, nil); err != nil {
		return err
	}
	if p.TotalCPU != nil {
		return errors.New("metrics.metrics_collected.disk: totalcpu is a cpu setting")
	}
	if !(len(p.Resources) == 0 || slices.Contains(p.Resources, "*")) {
		d.Paths = p.Resources
	}
	cfg.Disk = d
	return nil
}

func (cfg *MetricsConfig) parseProcstat(body json.RawMessage) error {
	var entries []json.RawMessage
	if err := json.Unmarshal(body, &entries); err != nil {
		return errors.New("metrics.metrics_collected.procstat must be an array of process selections")
	}
	for i, e := range entries {
		key := fmt.Sprintf("metrics.metrics_collected.procstat[%d]", i)
		var r rawProcstat
		if err := strictJSON(e, &r); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		p := &ProcstatConfig{}
		switch {
		case r.PidFile != "":
			p.Selector, p.Value = SelectorPidFile, r.PidFile
		case r.Exe != "":
			p.Selector, p.Value = SelectorExe, r.Exe
		case r.Pattern != "":
			p.Selector, p.Value = SelectorPattern, r.Pattern
		default:
			return fmt.Errorf("%s needs one of pid_file, exe and pattern", key)
		}
		if len(p.Value) > 1024 {
			return fmt.Errorf("%s.%s is longer than 1024 characters (it becomes a dimension value)", key, p.Selector)
		}
		if p.Selector != SelectorPidFile {
			re, err := regexp.Compile(p.Value)
			if err != nil {
				return fmt.Errorf("%s.%s %q is not a regular expression: %w", key, p.Selector, p.Value, err)
			}
			p.re = re
		}
		var err error
		if p.Measurements, err = cfg.measurements(key, "procstat", r.Measurement, procstatMeasurements, procstatKnown); err != nil {
			return err
		}
		if p.Interval, err = cfg.interval(key, r.Interval); err != nil {
			return err
		}
		cfg.Procstat = append(cfg.Procstat, p)
	}
	if len(entries) == 0 {
		return errors.New("metrics.metrics_collected.procstat is empty")
	}
	return nil
}
