package agent

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/stewardhq/steward/agentproto"
)

// mount is one line of /proc/self/mounts.
type mount struct{ device, path, fstype string }

// readMounts lists the mounts, the last mount of a path winning.
func readMounts(root string) []mount {
	data, err := os.ReadFile(filepath.Join(root, "self", "mounts"))
	if err != nil {
		return nil
	}
	var out []mount
	at := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 {
			continue
		}
		m := mount{device: unescapeMount(f[0]), path: unescapeMount(f[1]), fstype: f[2]}
		if i, ok := at[m.path]; ok {
			out[i] = m
			continue
		}
		at[m.path] = len(out)
		out = append(out, m)
	}
	return out
}

// unescapeMount undoes the octal escapes of /proc/self/mounts (\040 …).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, ok := octal3(s[i+1 : i+4]); ok {
				b.WriteByte(n)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func octal3(s string) (byte, bool) {
	if len(s) != 3 {
		return 0, false
	}
	var n int
	for _, c := range s {
		if c < '0' || c > '7' {
			return 0, false
		}
		n = n*8 + int(c-'0')
	}
	return byte(n), n < 256
}

// diskCollector reports every mounted file system with blocks (pseudo file
// systems have none), or the paths of resources, with dimensions path,
// device (without /dev/, unless drop_device) and fstype.
func diskCollector(c *DiskConfig, global []agentproto.Dimension, root string) func(r *round) {
	return func(r *round) {
		for _, m := range readMounts(root) {
			if (c.Paths != nil && !slices.Contains(c.Paths, m.path)) || slices.Contains(c.IgnoreTypes, m.fstype) {
				continue
			}
			var st syscall.Statfs_t
			if err := syscall.Statfs(m.path, &st); err != nil || st.Blocks == 0 {
				continue
			}
			bsize := float64(st.Bsize)
			total := float64(st.Blocks) * bsize
			free := float64(st.Bavail) * bsize
			used := (float64(st.Blocks) - float64(st.Bfree)) * bsize
			values := map[string]float64{
				"total": total, "free": free, "used": used,
				"inodes_total": float64(st.Files), "inodes_free": float64(st.Ffree), "inodes_used": float64(st.Files) - float64(st.Ffree),
			}
			if used+free > 0 {
				values["used_percent"] = 100 * used / (used + free)
			}
			own := []agentproto.Dimension{{Name: "path", Value: m.path}, {Name: "fstype", Value: m.fstype}}
			if !c.DropDevice {
				own = append(own, agentproto.Dimension{Name: "device", Value: strings.TrimPrefix(m.device, "/dev/")})
			}
			dims := withDims(global, append(own, c.AppendDimensions...)...)
			for _, ms := range c.Measurements {
				unit := "Bytes"
				switch {
				case ms.Name == "used_percent":
					unit = "Percent"
				case strings.HasPrefix(ms.Name, "inodes_"):
					unit = "Count"
				}
				r.emit(metricName("disk", ms), dims, values[ms.Name], unitOr(ms, unit), c.Interval)
			}
		}
	}
}
