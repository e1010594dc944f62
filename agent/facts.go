package agent

import (
	"bufio"
	"bytes"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/stewardhq/steward/agentproto"
)

// Version is this agent's version, reported in the node facts.
const Version = "0.1.0"

// PlatformLinux is the platform type this agent reports and matches
// preconditions against.
const PlatformLinux = "Linux"

// GatherFacts describes this host: hostname, the IPv4 address it reaches
// serverURL from (else its first non-loopback IPv4), and NAME/VERSION_ID of
// /etc/os-release.
func GatherFacts(serverURL, version string) agentproto.Facts {
	f := agentproto.Facts{AgentVersion: version, PlatformType: PlatformLinux, PlatformName: "Linux"}
	f.ComputerName, _ = os.Hostname()
	f.IPAddress = primaryIPv4(serverURL)
	for _, p := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		rel := ParseOSRelease(data)
		if rel["NAME"] != "" {
			f.PlatformName = rel["NAME"]
		}
		f.PlatformVersion = rel["VERSION_ID"]
		break
	}
	return f
}

// ParseOSRelease reads os-release(5): KEY=value lines, values optionally
// quoted with shell-style escapes; comments and malformed lines are skipped.
func ParseOSRelease(data []byte) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			continue
		}
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			if v[0] == '"' {
				if u, err := strconv.Unquote(v); err == nil {
					v = u
				} else {
					v = v[1 : len(v)-1]
				}
			} else {
				v = v[1 : len(v)-1]
			}
		}
		out[k] = v
	}
	return out
}

// primaryIPv4 picks the source address of the route to the server (a UDP
// "connect" sends nothing), falling back to the first up, non-loopback
// IPv4 address.
func primaryIPv4(serverURL string) string {
	if u, err := url.Parse(serverURL); err == nil && u.Hostname() != "" {
		port := u.Port()
		if port == "" {
			port = "443"
		}
		if c, err := net.Dial("udp4", net.JoinHostPort(u.Hostname(), port)); err == nil {
			addr, _ := c.LocalAddr().(*net.UDPAddr)
			c.Close()
			if addr != nil && !addr.IP.IsLoopback() && addr.IP.To4() != nil {
				return addr.IP.String()
			}
		}
	}
	ifaces, err := net.Interfaces()
	if err != nil {
		return ""
	}
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() {
				return n.IP.String()
			}
		}
	}
	return ""
}
