package ssm

import (
	"context"
	"fmt"
	"slices"

	"github.com/stewardhq/steward"
)

// DeleteParameter deletes a parameter with all its versions, labels and tags.
func (p *Parameters) DeleteParameter(ctx context.Context, name string) error {
	var fe fieldErrors
	fe.length(name, "name", 1, paramNameMaxLen, false)
	if err := fe.err(); err != nil {
		return err
	}
	n, err := parseParamName(name)
	if err != nil {
		return err
	}
	deleted, err := p.store.DeleteParameters(ctx, []string{n.key}, p.deleteEvent)
	if err != nil {
		return storeError(err)
	}
	if len(deleted) == 0 {
		return errParameterNotFound(n.name)
	}
	return nil
}

// DeleteParametersOutput is the result of DeleteParameters.
type DeleteParametersOutput struct {
	DeletedParameters []string // never nil
	InvalidParameters []string // unknown or malformed names; never nil
}

// DeleteParameters deletes up to 10 parameters; names that match nothing come
// back in InvalidParameters.
func (p *Parameters) DeleteParameters(ctx context.Context, names []string) (*DeleteParametersOutput, error) {
	var fe fieldErrors
	fe.listLen(names, "names", 1, paramNamesPerCall)
	for i, n := range names {
		fe.length(n, fmt.Sprintf("names.%d.member", i+1), 1, paramNameMaxLen, false)
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	out := &DeleteParametersOutput{DeletedParameters: []string{}, InvalidParameters: []string{}}
	var keys []string
	for _, name := range names {
		if n, err := parseParamName(name); err == nil && !slices.Contains(keys, n.key) {
			keys = append(keys, n.key)
		}
	}
	var deleted []*ParameterRecord
	if len(keys) > 0 {
		var err error
		if deleted, err = p.store.DeleteParameters(ctx, keys, p.deleteEvent); err != nil {
			return nil, storeError(err)
		}
	}
	gone := map[string]bool{}
	for _, rec := range deleted {
		gone[ParameterKey(rec.Name)] = true
	}
	reported := map[string]bool{}
	for _, name := range names {
		if reported[name] {
			continue
		}
		reported[name] = true
		if n, err := parseParamName(name); err == nil && gone[n.key] {
			out.DeletedParameters = append(out.DeletedParameters, name)
		} else {
			out.InvalidParameters = append(out.InvalidParameters, name)
		}
	}
	return out, nil
}

func (p *Parameters) deleteEvent(rec *ParameterRecord) *steward.Event {
	return p.changeEvent("Delete", rec)
}

// LabelParameterVersionOutput is the result of LabelParameterVersion.
type LabelParameterVersionOutput struct {
	InvalidLabels    []string // never nil
	ParameterVersion int64
}

// LabelParameterVersion attaches labels to a version (the latest when version
// is nil), moving them from other versions. Labels that break the label rules
// come back in InvalidLabels.
func (p *Parameters) LabelParameterVersion(ctx context.Context, name string, version *int64, labels []string) (*LabelParameterVersionOutput, error) {
	n, err := p.checkLabelRequest(name, labels)
	if err != nil {
		return nil, err
	}
	out := &LabelParameterVersionOutput{InvalidLabels: []string{}}
	var good []string
	for _, l := range labels {
		switch {
		case !validLabel(l):
			if !slices.Contains(out.InvalidLabels, l) {
				out.InvalidLabels = append(out.InvalidLabels, l)
			}
		case !slices.Contains(good, l):
			good = append(good, l)
		}
	}
	err = p.store.UpdateParameter(ctx, n.key, func(tx ParameterTx) error {
		cur, err := tx.Current(ctx)
		if err != nil {
			return err
		}
		if cur == nil {
			return errParameterNotFound(n.name)
		}
		target := cur.Version
		if version != nil {
			target = *version
			ok, err := tx.HasVersion(ctx, target)
			if err != nil {
				return err
			}
			if !ok {
				return steward.Errorf(CodeParameterVersionNotFound, "Systems Manager could not find version %d of %s. Verify the version and try again.", target, cur.Name)
			}
		}
		out.ParameterVersion = target
		if len(good) == 0 {
			return nil
		}
		have, err := tx.Labels(ctx, target)
		if err != nil {
			return err
		}
		total := len(have)
		for _, l := range good {
			if !slices.Contains(have, l) {
				total++
			}
		}
		if total > paramMaxLabelsPerVersion {
			return steward.Errorf(CodeParameterVersionLabelLimitExceeded, "A parameter version can have maximum %d labels. Move one or more labels to another version and try again.", paramMaxLabelsPerVersion)
		}
		if err := tx.MoveLabels(ctx, target, good); err != nil {
			return err
		}
		return tx.AppendEvent(ctx, p.changeEvent("LabelParameterVersion", cur))
	})
	if err != nil {
		return nil, storeError(err)
	}
	return out, nil
}

// UnlabelParameterVersionOutput is the result of UnlabelParameterVersion.
type UnlabelParameterVersionOutput struct {
	RemovedLabels []string // never nil
	InvalidLabels []string // labels not attached to the version; never nil
}

// UnlabelParameterVersion detaches labels from a version.
func (p *Parameters) UnlabelParameterVersion(ctx context.Context, name string, version *int64, labels []string) (*UnlabelParameterVersionOutput, error) {
	var fe fieldErrors
	if version == nil {
		fe.null("parameterVersion")
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	n, err := p.checkLabelRequest(name, labels)
	if err != nil {
		return nil, err
	}
	var wanted []string
	for _, l := range labels {
		if !slices.Contains(wanted, l) {
			wanted = append(wanted, l)
		}
	}
	out := &UnlabelParameterVersionOutput{RemovedLabels: []string{}, InvalidLabels: []string{}}
	err = p.store.UpdateParameter(ctx, n.key, func(tx ParameterTx) error {
		cur, err := tx.Current(ctx)
		if err != nil {
			return err
		}
		if cur == nil {
			return errParameterNotFound(n.name)
		}
		ok, err := tx.HasVersion(ctx, *version)
		if err != nil {
			return err
		}
		if !ok {
			return steward.Errorf(CodeParameterVersionNotFound, "Systems Manager could not find version %d of %s. Verify the version and try again.", *version, cur.Name)
		}
		removed, err := tx.RemoveLabels(ctx, *version, wanted)
		if err != nil {
			return err
		}
		out.RemovedLabels = out.RemovedLabels[:0]
		out.InvalidLabels = out.InvalidLabels[:0]
		for _, l := range wanted {
			if slices.Contains(removed, l) {
				out.RemovedLabels = append(out.RemovedLabels, l)
			} else {
				out.InvalidLabels = append(out.InvalidLabels, l)
			}
		}
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return out, nil
}

// checkLabelRequest applies the model constraints shared by the label
// operations and parses the name (no ARN, no selector).
func (p *Parameters) checkLabelRequest(name string, labels []string) (paramName, error) {
	var fe fieldErrors
	fe.length(name, "name", 1, paramNameMaxLen, false)
	if labels == nil {
		fe.null("labels")
	} else {
		fe.listLen(labels, "labels", 1, paramMaxLabelsPerVersion)
	}
	for _, l := range labels {
		if l == "" || len(l) > paramLabelMaxLen {
			fe.add("["+l+"]", "labels", fmt.Sprintf("Member must satisfy constraint: [Member must have length less than or equal to %d, Member must have length greater than or equal to 1]", paramLabelMaxLen))
		}
		fe.text(l, "labels")
	}
	if err := fe.err(); err != nil {
		return paramName{}, err
	}
	return parseParamName(name)
}
