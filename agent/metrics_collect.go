package agent

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/agentproto"
)

// Collection reads /proc the way the CloudWatch agent's Linux plugins do
// (telegraf's procstat with the native finder, cpu, mem and disk), and names
// the data as they do.

// clockTicks is USER_HZ, the unit of process CPU times in /proc: 100 on
// every Linux architecture Go supports.
const clockTicks = 100

// collector is one scheduled source of data: a plugin, or one procstat
// entry.
type collector struct {
	name     string
	interval time.Duration
	next     time.Time
	collect  func(r *round)
}

// round is one collection time: the collectors due then share it (one scan
// of /proc for every procstat entry) and add their data to it.
type round struct {
	at    time.Time
	procs []procInfo
	read  bool
	root  string
	self  int
	data  []agentproto.MetricDatum
}

// emit adds one datum.
func (r *round) emit(name string, dims []agentproto.Dimension, value float64, unit string, interval time.Duration) {
	d := agentproto.MetricDatum{MetricName: name, Dimensions: dims, Timestamp: r.at, Value: value, Unit: unit}
	if interval < time.Minute {
		d.StorageResolution = 1
	}
	r.data = append(r.data, d)
}

// procInfo is what procstat needs of a process.
type procInfo struct {
	pid      int
	name     string // the process name (comm, completed from argv[0] when truncated)
	cmdline  string // arguments joined by spaces
	cpuTicks uint64 // utime + stime
	start    uint64 // starttime, tells a reused PID apart
	rssPages uint64
	vsize    uint64
	threads  uint64
}

// processes scans /proc once per round: every live process but the agent
// itself (zombies are not running).
func (r *round) processes() []procInfo {
	if r.read {
		return r.procs
	}
	r.read = true
	entries, err := os.ReadDir(r.root)
	if err != nil {
		return nil
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == r.self {
			continue
		}
		if p, ok := readProc(r.root, pid); ok {
			r.procs = append(r.procs, p)
		}
	}
	return r.procs
}

// readProc reads /proc/PID/stat and cmdline; false for a process that is
// gone or a zombie.
func readProc(root string, pid int) (procInfo, bool) {
	dir := filepath.Join(root, strconv.Itoa(pid))
	stat, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return procInfo{}, false
	}
	lp, rp := bytes.IndexByte(stat, '('), bytes.LastIndexByte(stat, ')')
	if lp < 0 || rp < lp {
		return procInfo{}, false
	}
	f := strings.Fields(string(stat[rp+1:]))
	if len(f) < 22 || f[0] == "Z" || f[0] == "X" {
		return procInfo{}, false
	}
	num := func(i int) uint64 { n, _ := strconv.ParseUint(f[i], 10, 64); return n }
	p := procInfo{pid: pid, name: string(stat[lp+1 : rp]),
		cpuTicks: num(11) + num(12), threads: num(17), start: num(19), vsize: num(20), rssPages: num(21)}
	if raw, err := os.ReadFile(filepath.Join(dir, "cmdline")); err == nil {
		args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
		p.cmdline = strings.Join(args, " ")
		// comm is cut at 15 bytes; the name is argv[0]'s base name when
		// that starts with it (as gopsutil completes it).
		if len(p.name) == 15 && len(args) > 0 {
			if base := filepath.Base(args[0]); strings.HasPrefix(base, p.name) {
				p.name = base
			}
		}
	}
	return p, true
}

// metricName is the published name of a measurement of plugin.
func metricName(plugin string, m Measurement) string {
	if m.Rename != "" {
		return m.Rename
	}
	if plugin == "procstat" && m.Name == "pid_count" {
		return "procstat_lookup_pid_count"
	}
	return plugin + "_" + m.Name
}

func unitOr(m Measurement, def string) string {
	if m.Unit != "" {
		return m.Unit
	}
	return def
}

// withDims returns base followed by more, in a new slice.
func withDims(base []agentproto.Dimension, more ...agentproto.Dimension) []agentproto.Dimension {
	out := make([]agentproto.Dimension, 0, len(base)+len(more))
	return append(append(out, more...), base...)
}

// procstatCollector collects one procstat entry. Its dimensions are the
// selector with its value, pid_finder=native and the global ones.
func procstatCollector(p *ProcstatConfig, global []agentproto.Dimension) func(r *round) {
	dims := withDims(global, agentproto.Dimension{Name: p.Selector, Value: p.Value}, agentproto.Dimension{Name: "pid_finder", Value: "native"})
	type sample struct {
		ticks uint64
		at    time.Time
	}
	prev := map[[2]uint64]sample{} // by PID and start time: for cpu_usage
	return func(r *round) {
		matched := p.match(r)
		seen := make(map[[2]uint64]sample, len(matched))
		for _, m := range p.Measurements {
			name := metricName("procstat", m)
			if m.Name == "pid_count" {
				r.emit(name, dims, float64(len(matched)), unitOr(m, "Count"), p.Interval)
				continue
			}
			for _, proc := range matched {
				key := [2]uint64{uint64(proc.pid), proc.start}
				switch m.Name {
				case "pid":
					r.emit(name, dims, float64(proc.pid), unitOr(m, "None"), p.Interval)
				case "memory_rss":
					r.emit(name, dims, float64(proc.rssPages)*float64(os.Getpagesize()), unitOr(m, "Bytes"), p.Interval)
				case "memory_vms":
					r.emit(name, dims, float64(proc.vsize), unitOr(m, "Bytes"), p.Interval)
				case "num_threads":
					r.emit(name, dims, float64(proc.threads), unitOr(m, "Count"), p.Interval)
				case "cpu_usage":
					seen[key] = sample{proc.cpuTicks, r.at}
					if s, ok := prev[key]; ok && r.at.After(s.at) && proc.cpuTicks >= s.ticks {
						secs := float64(proc.cpuTicks-s.ticks) / clockTicks
						r.emit(name, dims, 100*secs/r.at.Sub(s.at).Seconds(), unitOr(m, "Percent"), p.Interval)
					}
				}
			}
		}
		prev = seen
	}
}

// match returns the processes the entry selects now.
func (p *ProcstatConfig) match(r *round) []procInfo {
	if p.Selector == SelectorPidFile {
		raw, err := os.ReadFile(p.Value)
		if err != nil {
			return nil
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
		if err != nil || pid <= 0 {
			return nil
		}
		if proc, ok := readProc(r.root, pid); ok {
			return []procInfo{proc}
		}
		return nil
	}
	var out []procInfo
	for _, proc := range r.processes() {
		s := proc.cmdline
		if p.Selector == SelectorExe {
			s = proc.name
		}
		if p.re.MatchString(s) {
			out = append(out, proc)
		}
	}
	return out
}

// cpuTimes are the jiffies of one line of /proc/stat.
type cpuTimes struct {
	user, nice, system, idle, iowait, irq, softirq, steal, guest, guestNice float64
}

func (t cpuTimes) total() float64 {
	return t.user + t.nice + t.system + t.idle + t.iowait + t.irq + t.softirq + t.steal // guest time is in user time
}

// readCPUTimes reads /proc/stat: "cpu-total" and "cpu0", "cpu1", ….
func readCPUTimes(root string) map[string]cpuTimes {
	data, err := os.ReadFile(filepath.Join(root, "stat"))
	if err != nil {
		return nil
	}
	out := map[string]cpuTimes{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 5 || !strings.HasPrefix(f[0], "cpu") {
			continue
		}
		v := make([]float64, 10)
		for i := 1; i < len(f) && i <= 10; i++ {
			v[i-1], _ = strconv.ParseFloat(f[i], 64)
		}
		name := f[0]
		if name == "cpu" {
			name = "cpu-total"
		}
		out[name] = cpuTimes{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]}
	}
	return out
}

// cpuCollector reports usage_* percentages over the interval since the
// previous round (nothing at the first).
func cpuCollector(c *CPUConfig, global []agentproto.Dimension, root string) func(r *round) {
	var prev map[string]cpuTimes
	return func(r *round) {
		now := readCPUTimes(root)
		last := prev
		prev = now
		for _, name := range sortedKeys(now) {
			if (name == "cpu-total" && !c.TotalCPU) || (name != "cpu-total" && !c.PerCPU) {
				continue
			}
			t, p := now[name], last[name]
			dt := t.total() - p.total()
			if last == nil || dt <= 0 {
				continue
			}
			pct := func(d float64) float64 { return max(0, 100*d/dt) }
			dims := withDims(global, append([]agentproto.Dimension{{Name: "cpu", Value: name}}, c.AppendDimensions...)...)
			for _, m := range c.Measurements {
				var v float64
				switch m.Name {
				case "usage_active":
					v = pct(dt - (t.idle - p.idle))
				case "usage_idle":
					v = pct(t.idle - p.idle)
				case "usage_user":
					v = pct((t.user - p.user) - (t.guest - p.guest))
				case "usage_system":
					v = pct(t.system - p.system)
				case "usage_iowait":
					v = pct(t.iowait - p.iowait)
				case "usage_nice":
					v = pct((t.nice - p.nice) - (t.guestNice - p.guestNice))
				case "usage_irq":
					v = pct(t.irq - p.irq)
				case "usage_softirq":
					v = pct(t.softirq - p.softirq)
				case "usage_steal":
					v = pct(t.steal - p.steal)
				case "usage_guest":
					v = pct(t.guest - p.guest)
				case "usage_guest_nice":
					v = pct(t.guestNice - p.guestNice)
				}
				r.emit(metricName("cpu", m), dims, v, unitOr(m, "Percent"), c.Interval)
			}
		}
	}
}

// memCollector reports /proc/meminfo as the CloudWatch agent does (used is
// total - free - buffers - cached, cached including reclaimable slab).
func memCollector(c *PluginConfig, global []agentproto.Dimension, root string) func(r *round) {
	dims := withDims(global, c.AppendDimensions...)
	return func(r *round) {
		data, err := os.ReadFile(filepath.Join(root, "meminfo"))
		if err != nil {
			return
		}
		kb := map[string]float64{}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			k, v, ok := strings.Cut(sc.Text(), ":")
			if !ok {
				continue
			}
			f := strings.Fields(v)
			if len(f) > 0 {
				n, _ := strconv.ParseFloat(f[0], 64)
				kb[k] = n * 1024
			}
		}
		total := kb["MemTotal"]
		if total <= 0 {
			return
		}
		cached := kb["Cached"] + kb["SReclaimable"]
		used := total - kb["MemFree"] - kb["Buffers"] - cached
		values := map[string]float64{
			"total": total, "free": kb["MemFree"], "available": kb["MemAvailable"], "used": used, "cached": cached,
			"buffered": kb["Buffers"], "active": kb["Active"], "inactive": kb["Inactive"],
			"used_percent": 100 * used / total, "available_percent": 100 * kb["MemAvailable"] / total,
		}
		for _, m := range c.Measurements {
			unit := "Bytes"
			if strings.HasSuffix(m.Name, "_percent") {
				unit = "Percent"
			}
			r.emit(metricName("mem", m), dims, values[m.Name], unitOr(m, unit), c.Interval)
		}
	}
}
