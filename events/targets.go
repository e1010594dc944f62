package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/events/input"
)

// Targets: PutTargets, RemoveTargets, ListTargetsByRule,
// ListRuleNamesByTarget, and what a target is once compiled.
//
// Choices where AWS is unclear or where Steward cannot follow: a target
// Steward cannot deliver to (a Lambda function, a Kinesis stream, another
// account or region) is refused as a FailedEntries entry at PutTargets rather
// than accepted and failed at every event; removing a target ID the rule
// does not have is not an error; Input, InputPath and InputTransformer are
// refused on event-bus targets (the event is forwarded as it is).

type targetKind uint8

const (
	kindSQS targetKind = iota + 1
	kindSNS
	kindRunCommand
	kindAutomation
	kindBus
	kindLogGroup
)

// target is a target compiled for delivery.
type target struct {
	Target
	kind        targetKind
	resource    string // queue or topic ARN, document name, automation name, bus name, log group name
	fifo        bool
	transformer *input.Transformer
	inputPath   *input.Path
	maxRetries  int
	maxAge      time.Duration
}

// TargetFailure is a FailedEntries entry of PutTargets / RemoveTargets.
type TargetFailure struct {
	TargetID string
	Code     string
	Message  string
}

// PutTargetsInput is a PutTargets request.
type PutTargetsInput struct {
	EventBusName *string
	Rule         string
	Targets      []Target
}

// unsupported is a target Steward cannot deliver to (a FailedEntries entry).
type unsupported struct{ msg string }

func (u *unsupported) Error() string { return u.msg }

// arnParts splits arn:partition:service:region:account:resource.
func arnParts(arn string) (service, region, account, resource string, ok bool) {
	p := strings.SplitN(arn, ":", 6)
	if len(p) != 6 || p[0] != "arn" || !strings.HasPrefix(p[1], "aws") {
		return "", "", "", "", false
	}
	return p[2], p[3], p[4], p[5], true
}

// compileTarget checks a target beyond the model constraints and compiles
// it. A *steward.Error is a ValidationException for the whole request; an
// *unsupported is a FailedEntries entry.
func (b *Buses) compileTarget(bus string, t Target) (*target, error) {
	c := &target{Target: t, maxRetries: maxRetryAttempts, maxAge: maxEventAge * time.Second}
	if p := t.RetryPolicy; p != nil {
		if p.MaximumRetryAttempts != nil {
			c.maxRetries = *p.MaximumRetryAttempts
		}
		if p.MaximumEventAgeInSeconds != nil {
			c.maxAge = time.Duration(*p.MaximumEventAgeInSeconds) * time.Second
		}
	}
	service, region, account, resource, ok := arnParts(t.ARN)
	if !ok {
		return nil, steward.Validation("Parameter %s is not valid. Reason: Provided Arn is not in correct format.", shown(t.ARN))
	}
	local := region == b.opts.Region && account == b.opts.Account
	switch {
	case service == "sqs" && local && resource != "" && !strings.Contains(resource, ":"):
		c.kind, c.resource, c.fifo = kindSQS, t.ARN, strings.HasSuffix(resource, ".fifo")
		if c.fifo && (t.SQSMessageGroup == nil || *t.SQSMessageGroup == "") {
			return nil, steward.Validation("Parameter(s) SqsParameters must be specified for target: %s.", t.ID)
		}
	case service == "sns" && local && resource != "" && !strings.Contains(resource, ":"):
		c.kind, c.resource = kindSNS, t.ARN
	case service == "ssm" && region == b.opts.Region && (account == b.opts.Account || account == "") && strings.HasPrefix(resource, "document/"):
		c.kind, c.resource = kindRunCommand, strings.TrimPrefix(resource, "document/")
		if c.resource == "" {
			return nil, steward.Validation("Parameter %s is not valid. Reason: Provided Arn is not in correct format.", shown(t.ARN))
		}
		if !t.HasRunCommand {
			return nil, steward.Validation("Parameter(s) RunCommandParameters must be specified for target: %s.", t.ID)
		}
	case service == "ssm" && local && strings.HasPrefix(resource, "automation-definition/"):
		c.kind, c.resource = kindAutomation, strings.TrimPrefix(resource, "automation-definition/")
	case service == "events" && local && strings.HasPrefix(resource, "event-bus/"):
		c.kind, c.resource = kindBus, strings.TrimPrefix(resource, "event-bus/")
		if c.resource == bus {
			return nil, steward.Validation("Target %s cannot be the rule's own event bus.", t.ID)
		}
		if t.Input != nil || t.InputPath != nil || t.InputTransformer != nil {
			return nil, steward.Validation("Input, InputPath and InputTransformer are not supported for event bus target %s.", t.ID)
		}
	case service == "logs" && local && strings.HasPrefix(resource, "log-group:"):
		c.kind, c.resource = kindLogGroup, strings.TrimSuffix(strings.TrimPrefix(resource, "log-group:"), ":*")
		if c.resource == "" || strings.Contains(c.resource, ":") {
			return nil, steward.Validation("Parameter %s is not valid. Reason: Provided Arn is not in correct format.", shown(t.ARN))
		}
	case service == "events" && local && strings.HasPrefix(resource, "api-destination/"):
		c.kind, c.resource = kindAPIDestination, apiDestinationName(resource)
		if c.resource == "" {
			return nil, steward.Validation("Parameter %s is not valid. Reason: Provided Arn is not in correct format.", shown(t.ARN))
		}
	case (service == "sqs" || service == "sns" || service == "ssm" || service == "events" || service == "logs") && !local:
		return nil, &unsupported{fmt.Sprintf("Target %s is in another account or region; Steward delivers within account %s, region %s.", t.ARN, b.opts.Account, b.opts.Region)}
	default:
		return nil, &unsupported{fmt.Sprintf("Steward cannot deliver to %s targets (%s).", service, t.ARN)}
	}
	n := 0
	if t.Input != nil {
		n++
		if !json.Valid([]byte(*t.Input)) {
			return nil, steward.Validation("Input for target %s is not valid JSON text.", t.ID)
		}
	}
	if t.InputPath != nil {
		n++
		p, err := input.ParsePath(*t.InputPath)
		if err != nil {
			return nil, steward.Validation("InputPath for target %s is not valid: %v.", t.ID, err)
		}
		c.inputPath = p
	}
	if tr := t.InputTransformer; tr != nil {
		n++
		x, err := input.NewTransformer(tr.PathsMap, tr.Template)
		if err != nil {
			return nil, steward.Validation("InputTransformer for target %s is not valid: %v.", t.ID, err)
		}
		c.transformer = x
	}
	if n > 1 {
		return nil, steward.Validation("Only one of Input, InputPath, or InputTransformer must be provided for target %s.", t.ID)
	}
	if t.DeadLetterARN != "" {
		s, r, a, name, ok := arnParts(t.DeadLetterARN)
		switch {
		case !ok || s != "sqs" || name == "" || strings.Contains(name, ":"):
			return nil, steward.Validation("DeadLetterConfig of target %s must name an SQS queue ARN.", t.ID)
		case r != b.opts.Region || a != b.opts.Account:
			return nil, steward.Validation("The dead-letter queue of target %s must be in the rule's account and region.", t.ID)
		case strings.HasSuffix(name, ".fifo"):
			return nil, steward.Validation("The dead-letter queue of target %s must be a standard queue; FIFO queues are not supported.", t.ID)
		}
	}
	return c, nil
}

// checkTargets applies the model constraints of a PutTargets target list.
func checkTargets(ts []Target, f *fieldErrors) {
	if len(ts) < 1 || len(ts) > maxTargetsPerCall {
		f.add(fmt.Sprintf("%d targets", len(ts)), "targets", fmt.Sprintf("Member must have length between 1 and %d", maxTargetsPerCall))
	}
	for i, t := range ts {
		m := fmt.Sprintf("targets.%d.member.", i+1)
		f.text(t.ID, m+"id", 1, maxRuleName, ruleNamePattern)
		f.length(t.ARN, m+"arn", 1, maxARN)
		if t.RoleARN != "" {
			f.length(t.RoleARN, m+"roleArn", 1, maxARN)
		}
		f.optional(t.Input, m+"input", 0, maxInput, nil)
		f.optional(t.InputPath, m+"inputPath", 0, maxInputPath, nil)
		if tr := t.InputTransformer; tr != nil {
			f.length(tr.Template, m+"inputTransformer.inputTemplate", 1, input.MaxTemplateLength)
			if len(tr.PathsMap) > input.MaxVariables {
				f.add(fmt.Sprintf("%d entries", len(tr.PathsMap)), m+"inputTransformer.inputPathsMap", fmt.Sprintf("Member must have length less than or equal to %d", input.MaxVariables))
			}
			keys := make([]string, 0, len(tr.PathsMap))
			for k := range tr.PathsMap {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				f.text(k, m+"inputTransformer.inputPathsMap.key", 1, input.MaxVariableName, transformerKeyPat)
				f.length(tr.PathsMap[k], m+"inputTransformer.inputPathsMap.value", 0, input.MaxPathLength)
			}
		}
		if p := t.RetryPolicy; p != nil {
			if p.MaximumRetryAttempts != nil {
				f.intRange(*p.MaximumRetryAttempts, m+"retryPolicy.maximumRetryAttempts", 0, maxRetryAttempts)
			}
			if p.MaximumEventAgeInSeconds != nil {
				f.intRange(*p.MaximumEventAgeInSeconds, m+"retryPolicy.maximumEventAgeInSeconds", minEventAge, maxEventAge)
			}
		}
		if h := t.HTTP; h != nil {
			for k, v := range h.HeaderParameters {
				f.length(k, m+"httpParameters.headerParameters.key", 0, maxHTTPKey)
				f.length(v, m+"httpParameters.headerParameters.value", 0, maxHTTPValue)
			}
			for k, v := range h.QueryParameters {
				f.length(k, m+"httpParameters.queryStringParameters.key", 0, maxHTTPKey)
				f.length(v, m+"httpParameters.queryStringParameters.value", 0, maxHTTPValue)
			}
		}
		if t.DeadLetterARN != "" {
			f.length(t.DeadLetterARN, m+"deadLetterConfig.arn", 1, maxARN)
		}
		if t.SQSMessageGroup != nil {
			f.length(*t.SQSMessageGroup, m+"sqsParameters.messageGroupId", 0, maxMessageGroupID)
		}
		if t.HasRunCommand {
			rc := m + "runCommandParameters.runCommandTargets"
			if len(t.RunCommand) < 1 || len(t.RunCommand) > maxRunCommandTargets {
				f.add(fmt.Sprintf("%d targets", len(t.RunCommand)), rc, fmt.Sprintf("Member must have length between 1 and %d", maxRunCommandTargets))
			}
			for j, r := range t.RunCommand {
				f.text(r.Key, fmt.Sprintf("%s.%d.member.key", rc, j+1), 1, maxRunCommandKey, runCommandKeyPat)
				if len(r.Values) < 1 || len(r.Values) > maxRunCommandValues {
					f.add(fmt.Sprintf("%d values", len(r.Values)), fmt.Sprintf("%s.%d.member.values", rc, j+1), fmt.Sprintf("Member must have length between 1 and %d", maxRunCommandValues))
				}
				for _, v := range r.Values {
					f.length(v, fmt.Sprintf("%s.%d.member.values.member", rc, j+1), 1, maxRunCommandValue)
				}
			}
		}
	}
}

// PutTargets adds targets to a rule or replaces those with the same IDs.
//
// Errors: ValidationException, ResourceNotFoundException (bus or rule),
// LimitExceededException (more than 5 targets on the rule).
func (b *Buses) PutTargets(ctx context.Context, in PutTargetsInput) ([]TargetFailure, error) {
	var f fieldErrors
	f.text(in.Rule, "rule", 1, maxRuleName, ruleNamePattern)
	bus := b.busName(in.EventBusName, "eventBusName", &f)
	checkTargets(in.Targets, &f)
	if err := f.err(); err != nil {
		return nil, err
	}
	var failed []TargetFailure
	var keep []*TargetRecord
	for _, t := range in.Targets {
		if _, err := b.compileTarget(bus, t); err != nil {
			var u *unsupported
			if errors.As(err, &u) {
				failed = append(failed, TargetFailure{TargetID: t.ID, Code: CodeValidation, Message: u.msg})
				continue
			}
			return nil, err
		}
		keep = append(keep, &TargetRecord{Bus: bus, Rule: in.Rule, Target: t})
	}
	b.ctl.Lock()
	defer b.ctl.Unlock()
	err := b.store.Update(ctx, func(tx Tx) error {
		if err := b.ruleExists(ctx, tx, bus, in.Rule); err != nil {
			return err
		}
		cur, err := tx.Targets(ctx, bus, in.Rule)
		if err != nil {
			return err
		}
		ids := map[string]bool{}
		for _, t := range cur {
			ids[t.ID] = true
		}
		for _, t := range keep {
			ids[t.ID] = true
		}
		if len(ids) > maxTargetsPerRule {
			return steward.Errorf(CodeLimitExceeded, "The requested resource exceeds the maximum number allowed.")
		}
		return tx.PutTargets(ctx, keep)
	})
	if err != nil {
		return nil, internal(err)
	}
	if err := b.changed(ctx, bus, in.Rule); err != nil {
		return nil, err
	}
	return failed, nil
}

// ruleExists returns ResourceNotFoundException for a missing bus or rule.
func (b *Buses) ruleExists(ctx context.Context, tx Tx, bus, rule string) error {
	if _, err := tx.GetRule(ctx, bus, rule); err == nil {
		return nil
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	if _, err := tx.GetBus(ctx, bus); errors.Is(err, ErrNotFound) {
		return notFound("Event bus %s does not exist.", shownBus(bus))
	}
	return notFound("Rule %s does not exist on EventBus %s.", rule, shownBus(bus))
}

// changed reloads a rule into the router after a committed change.
func (b *Buses) changed(ctx context.Context, bus, rule string) error {
	if err := b.router.reloadRule(ctx, bus, rule); err != nil {
		return internal(err)
	}
	b.router.noteVersion(ctx)
	return nil
}

// RemoveTargets removes targets from a rule.
func (b *Buses) RemoveTargets(ctx context.Context, busName *string, rule string, ids []string, force bool) ([]TargetFailure, error) {
	var f fieldErrors
	f.text(rule, "rule", 1, maxRuleName, ruleNamePattern)
	bus := b.busName(busName, "eventBusName", &f)
	if len(ids) < 1 || len(ids) > maxTargetsPerCall {
		f.add(fmt.Sprintf("%d ids", len(ids)), "ids", fmt.Sprintf("Member must have length between 1 and %d", maxTargetsPerCall))
	}
	for i, id := range ids {
		f.text(id, fmt.Sprintf("ids.%d.member", i+1), 1, maxRuleName, ruleNamePattern)
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	_ = force // Steward has no managed rules
	b.ctl.Lock()
	defer b.ctl.Unlock()
	err := b.store.Update(ctx, func(tx Tx) error {
		if err := b.ruleExists(ctx, tx, bus, rule); err != nil {
			return err
		}
		_, err := tx.DeleteTargets(ctx, bus, rule, ids)
		return err
	})
	if err != nil {
		return nil, internal(err)
	}
	return nil, b.changed(ctx, bus, rule)
}

// ListTargetsByRule returns a page of a rule's targets in ID order.
func (b *Buses) ListTargetsByRule(ctx context.Context, busName *string, rule string, token *string, limit *int) ([]Target, string, error) {
	var f fieldErrors
	f.text(rule, "rule", 1, maxRuleName, ruleNamePattern)
	bus := b.busName(busName, "eventBusName", &f)
	tok, n := f.token(token), f.limit(limit)
	if err := f.err(); err != nil {
		return nil, "", err
	}
	if _, err := b.store.GetRule(ctx, bus, rule); errors.Is(err, ErrNotFound) {
		if _, err := b.store.GetBus(ctx, bus); errors.Is(err, ErrNotFound) {
			return nil, "", notFound("Event bus %s does not exist.", shownBus(bus))
		}
		return nil, "", notFound("Rule %s does not exist on EventBus %s.", rule, shownBus(bus))
	} else if err != nil {
		return nil, "", internal(err)
	}
	recs, next, err := b.store.ListTargets(ctx, bus, rule, tok, n)
	if err != nil {
		return nil, "", tokenError(err)
	}
	out := make([]Target, len(recs))
	for i, r := range recs {
		out[i] = r.Target
	}
	return out, next, nil
}

// ListRuleNamesByTarget returns a page of the names of a bus's rules that
// have a target with the ARN.
func (b *Buses) ListRuleNamesByTarget(ctx context.Context, busName *string, targetARN string, token *string, limit *int) ([]string, string, error) {
	var f fieldErrors
	f.length(targetARN, "targetArn", 1, maxARN)
	bus := b.busName(busName, "eventBusName", &f)
	tok, n := f.token(token), f.limit(limit)
	if err := f.err(); err != nil {
		return nil, "", err
	}
	if _, err := b.store.GetBus(ctx, bus); errors.Is(err, ErrNotFound) {
		return nil, "", notFound("Event bus %s does not exist.", shownBus(bus))
	} else if err != nil {
		return nil, "", internal(err)
	}
	names, next, err := b.store.RuleNamesByTarget(ctx, bus, targetARN, tok, n)
	if err != nil {
		return nil, "", tokenError(err)
	}
	return names, next, nil
}

// tokenError turns the store's ErrInvalidToken into a ValidationException.
func tokenError(err error) error {
	if errors.Is(err, ErrInvalidToken) {
		return steward.Validation("The NextToken provided is invalid.")
	}
	return internal(err)
}
