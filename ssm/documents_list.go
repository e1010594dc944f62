package ssm

import (
	"context"
	"regexp"
	"strconv"
	"strings"

	"github.com/stewardhq/steward"
)

// DocumentFilter is one entry of ListDocuments' deprecated
// DocumentFilterList: key Name, Owner, PlatformTypes or DocumentType.
type DocumentFilter struct {
	Key   string
	Value string
}

// DocumentKeyValuesFilter is one entry of ListDocuments' Filters.
type DocumentKeyValuesFilter struct {
	Key    string
	Values []string
}

// ListDocumentsInput is a ListDocuments request.
type ListDocumentsInput struct {
	DocumentFilterList []DocumentFilter
	Filters            []DocumentKeyValuesFilter
	MaxResults         *int
	NextToken          string
}

// DocumentList is a page of ListDocuments.
type DocumentList struct {
	Documents []*DocumentDescription
	NextToken string
}

// The keys ListDocuments filters on, besides tag:KEY.
const (
	docFilterOwner         = "Owner"
	docFilterName          = "Name"
	docFilterPlatformTypes = "PlatformTypes"
	docFilterDocumentType  = "DocumentType"
	docFilterSchemaVersion = "SchemaVersion"
	docFilterTargetType    = "TargetType"
	docFilterSearchKeyword = "SearchKeyword"
	docFilterTagPrefix     = "tag:"
)

// docFilterFields maps the filter keys other than Owner and tag:KEY to what
// they look at.
var docFilterFields = map[string]DocumentField{
	docFilterName:          DocumentNamePrefix,
	docFilterPlatformTypes: DocumentPlatform,
	docFilterDocumentType:  DocumentTypeIs,
	docFilterSchemaVersion: DocumentSchemaVersionIs,
	docFilterTargetType:    DocumentTargetTypeIs,
	docFilterSearchKeyword: DocumentKeyword,
}

var accountIDRE = regexp.MustCompile(`^[0-9]{12}$`)

// ListDocuments lists the documents the account can use (its own and
// Amazon's) in name order, each at its default version, narrowed by either
// list of filters: the deprecated DocumentFilterList or Filters. Filters
// combine with AND, the values of one filter with OR; Name matches a prefix
// of the name, SearchKeyword any part of it ignoring case; Owner takes one of
// Self, Private (the account's documents), Amazon, Public (Amazon's), All,
// ThirdParty (none here) or an account ID.
func (d *Documents) ListDocuments(ctx context.Context, in ListDocumentsInput) (*DocumentList, error) {
	var fe fieldErrors
	fe.intRange(in.MaxResults, "maxResults", 1, docPageMax)
	if in.DocumentFilterList != nil && len(in.DocumentFilterList) == 0 {
		fe.add("[]", "documentFilterList", "Member must have length greater than or equal to 1")
	}
	for i, f := range in.DocumentFilterList {
		m := "documentFilterList." + strconv.Itoa(i+1) + ".member."
		if f.Key == "" {
			fe.null(m + "key")
		} else {
			fe.enum(f.Key, m+"key", docFilterName, docFilterOwner, docFilterPlatformTypes, docFilterDocumentType)
		}
		if f.Value == "" {
			fe.null(m + "value")
		}
	}
	if len(in.Filters) > docFiltersMax {
		fe.add("["+strconv.Itoa(len(in.Filters))+" filters]", "filters",
			"Member must have length less than or equal to "+strconv.Itoa(docFiltersMax))
	}
	for i, f := range in.Filters {
		m := "filters." + strconv.Itoa(i+1) + ".member."
		if f.Key != "" {
			fe.length(f.Key, m+"key", 1, docFilterKeyMax, false)
		}
		for j, v := range f.Values {
			fe.length(v, m+"values."+strconv.Itoa(j+1)+".member", 1, docFilterValueMax, false)
		}
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	if len(in.DocumentFilterList) > 0 && len(in.Filters) > 0 {
		return nil, steward.Validation("DocumentFilterList and Filters cannot be used together; use Filters (DocumentFilterList is deprecated).")
	}
	filters := in.Filters
	for _, f := range in.DocumentFilterList {
		filters = append(filters, DocumentKeyValuesFilter{Key: f.Key, Values: []string{f.Value}})
	}
	q := DocumentQuery{Token: in.NextToken, Limit: docDefaultPageSize}
	if in.MaxResults != nil {
		q.Limit = *in.MaxResults
	}
	owner, none, err := d.documentConditions(filters, &q)
	if err != nil {
		return nil, err
	}
	if none {
		return &DocumentList{Documents: []*DocumentDescription{}}, nil
	}
	q.Owner = owner
	docs, next, err := d.store.ListDocuments(ctx, q)
	if err != nil {
		return nil, docStoreError(err, "", CodeInvalidDocument)
	}
	if docs == nil {
		docs = []*DocumentDescription{}
	}
	return &DocumentList{Documents: docs, NextToken: next}, nil
}

// documentConditions translates filters into q.Conditions and returns the
// owner to list ("" for any), or none when no document can match.
func (d *Documents) documentConditions(filters []DocumentKeyValuesFilter, q *DocumentQuery) (owner string, none bool, err error) {
	ownerSeen := false
	for _, f := range filters {
		if f.Key == docFilterOwner {
			if ownerSeen || len(f.Values) != 1 {
				return "", false, steward.Validation("Only one Owner can be specified in a request: use Key=Owner,Values=Self (or Amazon, Private, Public, ThirdParty, All, an account ID).")
			}
			ownerSeen = true
			switch v := f.Values[0]; {
			case strings.EqualFold(v, "Self"), strings.EqualFold(v, "Private"):
				owner = d.env.Account
			case strings.EqualFold(v, OwnerAmazon), strings.EqualFold(v, "Public"):
				owner = OwnerAmazon
			case strings.EqualFold(v, "All"):
				owner = ""
			case strings.EqualFold(v, "ThirdParty"):
				none = true
			case accountIDRE.MatchString(v):
				owner = v
			default:
				return "", false, steward.Validation("Owner filter value %s is not valid: use Self, Amazon, Private, Public, ThirdParty, All or an account ID.", v)
			}
			continue
		}
		if key, ok := strings.CutPrefix(f.Key, docFilterTagPrefix); ok && key != "" {
			q.Conditions = append(q.Conditions, DocumentCondition{Field: DocumentTag, TagKey: key, Values: f.Values})
			continue
		}
		field, ok := docFilterFields[f.Key]
		if !ok {
			return "", false, steward.Errorf(CodeDocumentInvalidFilterKey,
				"The filter key %s isn't valid: use Owner, Name, PlatformTypes, DocumentType, SchemaVersion, TargetType, SearchKeyword or tag:KEY.", f.Key)
		}
		if len(f.Values) == 0 {
			return "", false, steward.Validation("The filter %s needs at least one value.", f.Key)
		}
		q.Conditions = append(q.Conditions, DocumentCondition{Field: field, Values: f.Values})
	}
	return owner, none, nil
}

// ListDocumentVersionsInput is a ListDocumentVersions request. Name may be an
// ARN.
type ListDocumentVersionsInput struct {
	Name       string
	MaxResults *int
	NextToken  string
}

// DocumentVersionList is a page of ListDocumentVersions: versions in
// ascending order, without their content.
type DocumentVersionList struct {
	Document  DocumentInfo
	Versions  []*DocumentVersion
	NextToken string
}

// ListDocumentVersions lists the versions of a document.
func (d *Documents) ListDocumentVersions(ctx context.Context, in ListDocumentVersionsInput) (*DocumentVersionList, error) {
	var fe fieldErrors
	fe.docName(in.Name, "name", true)
	fe.intRange(in.MaxResults, "maxResults", 1, docPageMax)
	if err := fe.err(); err != nil {
		return nil, err
	}
	ref, ok := d.parseDocumentRef(in.Name)
	if !ok {
		return nil, errNoDocument(in.Name)
	}
	info, err := d.store.GetDocument(ctx, ref.name)
	if err != nil {
		return nil, docStoreError(err, in.Name, CodeInvalidDocument)
	}
	if !ref.owns(info) {
		return nil, errNoDocument(in.Name)
	}
	limit := docDefaultPageSize
	if in.MaxResults != nil {
		limit = *in.MaxResults
	}
	versions, next, err := d.store.ListDocumentVersions(ctx, ref.name, in.NextToken, limit)
	if err != nil {
		return nil, docStoreError(err, in.Name, CodeInvalidDocument)
	}
	return &DocumentVersionList{Document: *info, Versions: versions, NextToken: next}, nil
}
