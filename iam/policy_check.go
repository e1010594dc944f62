package iam

import (
	"strings"

	"github.com/stewardhq/steward"
)

// The rules IAM applies when a policy document is written, in IAM's order;
// the first failure is reported as MalformedPolicyDocument with IAM's
// message:
//
//  1. the grammar (ParsePolicy): "Syntax errors in policy."
//  2. the version: identity policies must say 2012-10-17; trust policies
//     must say 2012-10-17 or 2008-10-17 (older trust policies, and the
//     seeds' Lambda role, use 2008-10-17)
//  3. IAM's legacy parser: Effect spelled exactly Allow or Deny
//  4. statement IDs unique within the document
//  5. every statement has actions; each action is "*" or "vendor:pattern"
//  6. resources are "*" or ARNs with a known partition and a vendor
//  7. identity policies: no Principal, and resources present; trust
//     policies: a Principal, only sts: actions, and no Resource
//
// Sources: the IAM API reference and user guide, and the messages real IAM
// returns (as recorded by emulators tested against it).

// policyKind selects the write-time rules of a document.
type policyKind uint8

const (
	identityPolicy policyKind = iota // inline and managed permissions policies
	trustPolicy                      // a role's AssumeRolePolicyDocument
)

// partitions are the AWS partitions a resource ARN may name.
var partitions = []string{"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}

// checkPolicy parses doc and applies the write-time rules of kind.
func checkPolicy(doc string, kind policyKind) (*Policy, error) {
	p, err := ParsePolicy(doc)
	if err != nil {
		return nil, malformed(msgSyntax)
	}
	switch {
	case kind == identityPolicy && p.Version != Version2012:
		return nil, malformed("Policy document must be version 2012-10-17 or greater.")
	case kind == trustPolicy && p.Version == "":
		return nil, malformed("Policy document must be version 2012-10-17 or 2008-10-17.")
	}
	sids := map[string]bool{}
	for i := range p.Statements {
		st := &p.Statements[i]
		if st.EffectText != "Allow" && st.EffectText != "Deny" {
			return nil, malformed("The policy failed legacy parsing")
		}
		if st.Sid != "" {
			if sids[st.Sid] {
				return nil, malformed("Statement IDs (SID) in a single policy must be unique.")
			}
			sids[st.Sid] = true
		}
	}
	for i := range p.Statements {
		st := &p.Statements[i]
		if len(st.Action) == 0 && len(st.NotAction) == 0 {
			return nil, malformed("Policy statement must contain actions.")
		}
	}
	for i := range p.Statements {
		st := &p.Statements[i]
		for _, list := range [][]string{st.Action, st.NotAction} {
			for _, a := range list {
				if err := checkAction(a); err != nil {
					return nil, err
				}
			}
		}
		for _, list := range [][]string{st.Resource, st.NotResource} {
			for _, r := range list {
				if err := checkResource(r); err != nil {
					return nil, err
				}
			}
		}
	}
	for i := range p.Statements {
		st := &p.Statements[i]
		switch kind {
		case identityPolicy:
			if st.Principal != nil || st.NotPrincipal != nil {
				return nil, malformed("Policy document should not specify a principal.")
			}
			if len(st.Resource) == 0 && len(st.NotResource) == 0 {
				return nil, malformed("Policy statement must contain resources.")
			}
		case trustPolicy:
			if st.Principal == nil && st.NotPrincipal == nil {
				return nil, malformed("Missing required field Principal.")
			}
			for _, list := range [][]string{st.Action, st.NotAction} {
				for _, a := range list {
					if !strings.HasPrefix(strings.ToLower(a), "sts:") {
						return nil, malformed("AssumeRole policy may only specify STS AssumeRole actions.")
					}
				}
			}
			if st.Resource != nil || st.NotResource != nil {
				return nil, malformed("Has prohibited field Resource.")
			}
		}
	}
	return p, nil
}

// checkAction applies IAM's rules for an action: "*", or vendor:name with
// one colon and a vendor of letters, digits, '-' and '.'.
func checkAction(a string) error {
	if a == "*" {
		return nil
	}
	vendor, name, ok := strings.Cut(a, ":")
	if !ok {
		return malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
	}
	if strings.Contains(name, ":") {
		return malformed("Actions/Condition can contain only one colon.")
	}
	if vendor == "" || strings.Trim(vendor, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") != "" {
		return malformed("Vendor " + vendor + " is not valid")
	}
	return nil
}

// checkResource applies IAM's rules for a resource: "*", or an ARN whose
// partition is known (or "*") and whose vendor is given without wildcards.
func checkResource(r string) error {
	if r == "*" {
		return nil
	}
	parts := strings.SplitN(r, ":", 4)
	if len(parts) < 2 {
		return malformed("Resource " + r + " must be in ARN format or \"*\".")
	}
	if parts[1] != "*" && !contains(partitions, parts[1]) {
		return malformed("Partition \"" + parts[1] + "\" is not valid for resource \"" + r + "\".")
	}
	if len(parts) < 3 || parts[2] == "" || strings.ContainsAny(parts[2], "*?") {
		return malformed("Resource vendor must be fully qualified and cannot contain regexes.")
	}
	return nil
}

func malformed(msg string) error {
	return steward.Errorf(CodeMalformedPolicyDocument, "%s", msg)
}
