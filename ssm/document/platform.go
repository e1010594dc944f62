package document

import "strings"

// platforms are AWS's PlatformType values, in the order AWS lists them.
var platforms = []string{"Windows", "Linux", "MacOS"}

// pluginPlatforms lists the platforms each Command plugin runs on (AWS's
// plugin reference). Plugins not listed run everywhere.
var pluginPlatforms = map[string][]string{
	"aws:runShellScript":      {"Linux", "MacOS"},
	"aws:runPowerShellScript": {"Windows", "Linux"},
	"aws:updateAgent":         {"Windows"}, // EC2Config
	"aws:applications":        {"Windows"},
	"aws:cloudWatch":          {"Windows"},
	"aws:psModule":            {"Windows"},
	"aws:domainJoin":          {"Windows", "Linux"},
	"aws:configureDocker":     {"Windows", "Linux"},
	"aws:runDockerAction":     {"Windows", "Linux"},
}

// PlatformTypes returns DescribeDocument's PlatformTypes: the platforms on
// which at least one step can run. A step's platforms are its plugin's
// (AWS-RunShellScript → Linux, MacOS; AWS-RunPowerShellScript → Windows,
// Linux), narrowed by a platformType precondition. Automation runbooks, and
// documents without steps, report all three.
func (d *Document) PlatformTypes() []string {
	if d == nil || d.SchemaVersion == "0.3" || len(d.Steps) == 0 {
		return append([]string(nil), platforms...)
	}
	set := map[string]bool{}
	for _, st := range d.Steps {
		runs, ok := pluginPlatforms[st.Action]
		if !ok {
			runs = platforms
		}
		only := preconditionPlatform(st.Precondition)
		for _, p := range runs {
			if only == "" || strings.EqualFold(only, p) {
				set[p] = true
			}
		}
	}
	var out []string
	for _, p := range platforms {
		if set[p] {
			out = append(out, p)
		}
	}
	return out
}

// preconditionPlatform returns the platform a ["platformType", X]
// precondition names, or "" when the step has no such literal condition.
func preconditionPlatform(pc []string) string {
	if len(pc) != 2 {
		return ""
	}
	a, b := pc[0], pc[1]
	if strings.EqualFold(b, "platformType") {
		a, b = b, a
	}
	if !strings.EqualFold(a, "platformType") || strings.Contains(b, "{{") {
		return ""
	}
	return b
}
