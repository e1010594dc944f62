package document

import (
	"embed"
	"fmt"
)

//go:embed builtin/*.json
var builtinFS embed.FS

// Builtin is an Amazon-owned document Steward ships. The names, parameters
// and step structure follow AWS's documents of the same name, so commands,
// associations and maintenance-window tasks written for AWS work unchanged;
// the text and the scripts are Steward's own.
type Builtin struct {
	Name         string
	DocumentType string // TypeCommand
	Format       Format // FormatJSON
	TargetType   string
	Content      string
}

// builtinDocs lists the shipped documents; the content of each is
// builtin/<Name>.json.
var builtinDocs = []struct{ name, docType, targetType string }{
	{"AWS-RunShellScript", TypeCommand, "/AWS::EC2::Instance"},
	{"AWS-RunPowerShellScript", TypeCommand, "/AWS::EC2::Instance"},
	{"AWS-RunRemoteScript", TypeCommand, "/AWS::EC2::Instance"},
	{"AWS-UpdateSSMAgent", TypeCommand, "/AWS::EC2::Instance"},
	{"AWS-ConfigureAWSPackage", TypeCommand, "/AWS::EC2::Instance"},
	{"AWS-RunPatchBaseline", TypeCommand, "/AWS::EC2::Instance"},
	{"AWS-UpdateEC2Config", TypeCommand, "/AWS::EC2::Instance"},
}

// Builtins returns the Amazon-owned documents, each a fresh copy.
func Builtins() []Builtin {
	out := make([]Builtin, 0, len(builtinDocs))
	for _, b := range builtinDocs {
		content, err := builtinFS.ReadFile("builtin/" + b.name + ".json")
		if err != nil { // the files are embedded at build time; a test covers every entry
			panic(fmt.Sprintf("document: builtin %s missing: %v", b.name, err))
		}
		out = append(out, Builtin{
			Name:         b.name,
			DocumentType: b.docType,
			Format:       FormatJSON,
			TargetType:   b.targetType,
			Content:      string(content),
		})
	}
	return out
}

// LookupBuiltin returns the Amazon-owned document called name.
func LookupBuiltin(name string) (Builtin, bool) {
	for _, b := range Builtins() {
		if b.Name == name {
			return b, true
		}
	}
	return Builtin{}, false
}
