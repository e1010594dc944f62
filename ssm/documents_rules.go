package ssm

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/ssm/document"
)

// The API model's patterns for document members, as AWS quotes them in
// validation messages, and their compiled (anchored) forms.
const (
	docNamePattern        = `^[a-zA-Z0-9_\-.]{3,128}$`             // DocumentName
	docARNPattern         = `^[a-zA-Z0-9_\-.:/]{3,128}$`           // DocumentARN
	docVersionPattern     = `([$]LATEST|[$]DEFAULT|^[1-9][0-9]*$)` // DocumentVersion
	docVersionNumPattern  = `(^[1-9][0-9]*$)`                      // DocumentVersionNumber
	docVersionNamePattern = `^[a-zA-Z0-9_\-.]{1,128}$`             // DocumentVersionName
	docDisplayNamePattern = `^[\w\.\-\:\/ ]*$`                     // DocumentDisplayName
	docTargetTypePattern  = `^\/[\w\.\-\:\/]*$`                    // TargetType
	docRequireTypePattern = `^[a-zA-Z0-9_\-.]{1,128}$`             // RequireType
	docAttachmentPattern  = `^[a-zA-Z0-9_\-.]{3,128}$`             // AttachmentIdentifier
)

var (
	docNameRE        = regexp.MustCompile(docNamePattern)
	docARNRE         = regexp.MustCompile(docARNPattern)
	docVersionRE     = regexp.MustCompile(`^(\$LATEST|\$DEFAULT|[1-9][0-9]*)$`)
	docVersionNumRE  = regexp.MustCompile(`^[1-9][0-9]*$`)
	docVersionNameRE = regexp.MustCompile(docVersionNamePattern)
	docDisplayNameRE = regexp.MustCompile(docDisplayNamePattern)
	docTargetTypeRE  = regexp.MustCompile(docTargetTypePattern)
	docRequireTypeRE = regexp.MustCompile(docRequireTypePattern)
	docAttachmentRE  = regexp.MustCompile(docAttachmentPattern)
)

// The DocumentType enum of the API model, in its order.
var documentTypes = []string{
	"Command", "Policy", "Automation", "Session", "Package", "ApplicationConfiguration",
	"ApplicationConfigurationSchema", "DeploymentStrategy", "ChangeCalendar",
	"Automation.ChangeTemplate", "ProblemAnalysis", "ProblemAnalysisTemplate", "CloudFormation",
	"ConformancePackTemplate", "QuickSetup", "ManualApprovalPolicy", "AutoApprovalPolicy",
}

// forceDeleteTypes are the document types DeleteDocument removes only with
// Force.
var forceDeleteTypes = []string{"ApplicationConfigurationSchema"}

func (f *fieldErrors) docPattern(s, member string, re *regexp.Regexp, quoted string) {
	if !re.MatchString(s) {
		f.add(s, member, "Member must satisfy regular expression pattern: "+quoted)
	}
}

// docName checks a required DocumentName (arn false) or DocumentARN (arn
// true) member.
func (f *fieldErrors) docName(s, member string, arn bool) {
	switch {
	case s == "":
		f.null(member)
	case arn:
		f.docPattern(s, member, docARNRE, docARNPattern)
	default:
		f.docPattern(s, member, docNameRE, docNamePattern)
	}
}

// docVersion checks an optional DocumentVersion member.
func (f *fieldErrors) docVersion(s, member string) {
	if s != "" {
		f.docPattern(s, member, docVersionRE, docVersionPattern)
	}
}

// docVersionName checks an optional DocumentVersionName member.
func (f *fieldErrors) docVersionName(s, member string) {
	if s != "" {
		f.docPattern(s, member, docVersionNameRE, docVersionNamePattern)
	}
}

func (f *fieldErrors) docFormat(s, member string) {
	if s != "" {
		f.enum(s, member, string(document.FormatYAML), string(document.FormatJSON), string(document.FormatText))
	}
}

func (f *fieldErrors) docDisplayName(s *string, member string) {
	if s == nil {
		return
	}
	f.length(*s, member, 0, docDisplayNameMax, false)
	f.docPattern(*s, member, docDisplayNameRE, docDisplayNamePattern)
}

func (f *fieldErrors) docTargetType(s *string, member string) {
	if s == nil {
		return
	}
	f.length(*s, member, 0, docTargetTypeMax, false)
	f.docPattern(*s, member, docTargetTypeRE, docTargetTypePattern)
}

func (f *fieldErrors) docContent(s, member string) {
	if s == "" {
		f.null(member)
	}
}

func (f *fieldErrors) docRequires(reqs []DocumentRequires, member string) {
	if reqs != nil && len(reqs) == 0 {
		f.add("[]", member, "Member must have length greater than or equal to 1")
	}
	for i, r := range reqs {
		m := member + "." + strconv.Itoa(i+1) + ".member."
		f.docName(r.Name, m+"name", true)
		f.docVersion(r.Version, m+"version")
		if r.RequireType != "" {
			f.length(r.RequireType, m+"requireType", 0, docRequireTypeMax, false)
			f.docPattern(r.RequireType, m+"requireType", docRequireTypeRE, docRequireTypePattern)
		}
		f.docVersionName(r.VersionName, m+"versionName")
	}
}

// DocumentAttachment is one AttachmentsSource of a CreateDocument or
// UpdateDocument request. Steward keeps no attachments: a request with any is
// refused (see checkAttachments).
type DocumentAttachment struct {
	Key    string
	Name   string
	Values []string
}

func (f *fieldErrors) docAttachments(atts []DocumentAttachment, member string) {
	if len(atts) > docAttachmentsMax {
		f.add("["+strconv.Itoa(len(atts))+" items]", member,
			"Member must have length less than or equal to "+strconv.Itoa(docAttachmentsMax))
	}
	for i, a := range atts {
		m := member + "." + strconv.Itoa(i+1) + ".member."
		if a.Key != "" {
			f.enum(a.Key, m+"key", "SourceUrl", "S3FileUrl", "AttachmentReference")
		}
		if a.Name != "" {
			f.docPattern(a.Name, m+"name", docAttachmentRE, docAttachmentPattern)
		}
		if a.Values != nil {
			f.listLen(a.Values, m+"values", 1, 1)
		}
		for j, v := range a.Values {
			f.length(v, m+"values."+strconv.Itoa(j+1)+".member", 1, docAttachmentValueMax, false)
		}
	}
}

// checkAttachments refuses attachments: they name S3 objects or URLs for
// the service to copy, and Steward stores none.
func checkAttachments(atts []DocumentAttachment) error {
	if len(atts) == 0 {
		return nil
	}
	return steward.Validation("Steward does not support document attachments: remove Attachments from the request " +
		"and deliver files with aws:downloadContent instead.")
}

// docRef is a document named in a request: by name or by ARN.
type docRef struct {
	name    string
	arn     bool
	account string // the ARN's account ("" for an Amazon-owned document's ARN)
}

// owns reports whether the document info is the one the reference names:
// a name matches any owner; an ARN must name the document's owner.
func (r docRef) owns(info *DocumentInfo) bool {
	if !r.arn {
		return true
	}
	if r.account == "" {
		return info.Owner == OwnerAmazon
	}
	return info.Owner == r.account
}

// parseDocumentRef reads a document name or ARN
// (arn:PARTITION:ssm:REGION:ACCOUNT:document/NAME, ACCOUNT empty for
// Amazon's documents). An ARN for another region or account, or for
// something other than a document, reports false: no such document here.
func (d *Documents) parseDocumentRef(s string) (docRef, bool) {
	if !strings.HasPrefix(s, "arn:") {
		return docRef{name: s}, true
	}
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || !strings.HasPrefix(parts[1], "aws") || parts[2] != "ssm" || parts[3] != d.env.Region {
		return docRef{}, false
	}
	name, ok := strings.CutPrefix(parts[5], "document/")
	if !ok || !docNameRE.MatchString(name) {
		return docRef{}, false
	}
	if parts[4] != "" && parts[4] != d.env.Account {
		return docRef{}, false
	}
	return docRef{name: name, arn: true, account: parts[4]}, true
}

// versionSel is a DocumentVersion member: $LATEST, $DEFAULT or a number.
type versionSel string

// number resolves the selector against info: 0 when none was given, -1 for
// a number too large to exist.
func (s versionSel) number(info *DocumentInfo) int {
	switch s {
	case "":
		return 0
	case "$LATEST":
		return info.LatestVersion
	case "$DEFAULT":
		return info.DefaultVersion
	}
	n, err := strconv.Atoi(string(s))
	if err != nil || n <= 0 {
		return -1
	}
	return n
}

// normalFormat returns the format with "" read as JSON, AWS's default.
func normalFormat(f string) document.Format {
	if f == "" {
		return document.FormatJSON
	}
	return document.Format(f)
}

// parseContent parses and validates content for a document of docType, and
// returns the version it makes (without name, number, names or dates).
func parseContent(content string, format document.Format, docType string) (*DocumentVersion, error) {
	parsed, err := document.Parse(content, format)
	if err != nil {
		return nil, err
	}
	if err := document.Validate(docType, parsed); err != nil {
		return nil, err
	}
	return versionOf(parsed, content, format), nil
}

// versionOf returns the version content makes, parsed: its hash and what
// DescribeDocument derives from it.
func versionOf(parsed *document.Document, content string, format document.Format) *DocumentVersion {
	v := &DocumentVersion{
		Content:       content,
		Format:        format,
		Hash:          document.Hash(content),
		SchemaVersion: parsed.SchemaVersion,
		Description:   parsed.Description,
		PlatformTypes: parsed.PlatformTypes(),
	}
	for _, p := range parsed.Parameters {
		dp := DocumentParameter{Name: p.Name, Type: p.Type, Description: p.Description}
		if p.HasDefault {
			dp.DefaultValue, dp.HasDefault = p.Default, true
		}
		v.Parameters = append(v.Parameters, dp)
	}
	return v
}
