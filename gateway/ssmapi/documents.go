package ssmapi

import (
	"context"
	"strconv"
	"time"

	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/ssm"
)

// Documents: CreateDocument, GetDocument, DescribeDocument, ListDocuments,
// UpdateDocument, UpdateDocumentDefaultVersion, ListDocumentVersions,
// DeleteDocument. Member names are the botocore model's.

func documentOps(d *ssm.Documents) []gateway.Op {
	return []gateway.Op{
		gateway.Handle("CreateDocument", func(ctx context.Context, in *createDocumentInput) (*createDocumentOutput, error) {
			out, err := d.CreateDocument(ctx, ssm.CreateDocumentInput{
				Content: in.Content, Name: in.Name, DisplayName: in.DisplayName, VersionName: in.VersionName,
				DocumentType: in.DocumentType, DocumentFormat: in.DocumentFormat, TargetType: in.TargetType,
				Requires: docRequiresIn(in.Requires), Attachments: docAttachmentsIn(in.Attachments), Tags: docTagsIn(in.Tags),
			})
			if err != nil {
				return nil, err
			}
			return &createDocumentOutput{DocumentDescription: docDescriptionOut(out)}, nil
		}),
		gateway.Handle("GetDocument", func(ctx context.Context, in *getDocumentInput) (*getDocumentOutput, error) {
			out, err := d.GetDocument(ctx, ssm.GetDocumentInput{Name: in.Name, DocumentVersion: in.DocumentVersion,
				VersionName: in.VersionName, DocumentFormat: in.DocumentFormat})
			if err != nil {
				return nil, err
			}
			v := &out.Version
			return &getDocumentOutput{
				Name: v.Name, CreatedDate: v.CreatedDate, DisplayName: v.DisplayName, VersionName: v.VersionName,
				DocumentVersion: strconv.Itoa(v.Version), Status: ssm.DocumentStatusActive, Content: v.Content,
				DocumentType: out.Document.Type, DocumentFormat: string(v.Format), Requires: docRequiresOut(v.Requires),
			}, nil
		}),
		gateway.Handle("DescribeDocument", func(ctx context.Context, in *describeDocumentInput) (*describeDocumentOutput, error) {
			out, err := d.DescribeDocument(ctx, ssm.DescribeDocumentInput{Name: in.Name, DocumentVersion: in.DocumentVersion,
				VersionName: in.VersionName})
			if err != nil {
				return nil, err
			}
			return &describeDocumentOutput{Document: docDescriptionOut(out)}, nil
		}),
		gateway.Handle("ListDocuments", func(ctx context.Context, in *listDocumentsInput) (*listDocumentsOutput, error) {
			q := ssm.ListDocumentsInput{MaxResults: docIntPtr(in.MaxResults), NextToken: in.NextToken}
			if in.DocumentFilterList != nil {
				q.DocumentFilterList = make([]ssm.DocumentFilter, len(in.DocumentFilterList))
				for i, f := range in.DocumentFilterList {
					q.DocumentFilterList[i] = ssm.DocumentFilter{Key: f.Key, Value: f.Value}
				}
			}
			for _, f := range in.Filters {
				q.Filters = append(q.Filters, ssm.DocumentKeyValuesFilter{Key: f.Key, Values: f.Values})
			}
			out, err := d.ListDocuments(ctx, q)
			if err != nil {
				return nil, err
			}
			res := &listDocumentsOutput{DocumentIdentifiers: make([]documentIdentifier, len(out.Documents)), NextToken: out.NextToken}
			for i, doc := range out.Documents {
				v := &doc.Version
				res.DocumentIdentifiers[i] = documentIdentifier{
					Name: v.Name, CreatedDate: v.CreatedDate, DisplayName: v.DisplayName, Owner: doc.Document.Owner,
					VersionName: v.VersionName, PlatformTypes: docNonNil(v.PlatformTypes), DocumentVersion: strconv.Itoa(v.Version),
					DocumentType: doc.Document.Type, SchemaVersion: v.SchemaVersion, DocumentFormat: string(v.Format),
					TargetType: v.TargetType, Tags: docTagsOut(doc.Tags), Requires: docRequiresOut(v.Requires),
				}
			}
			return res, nil
		}),
		gateway.Handle("UpdateDocument", func(ctx context.Context, in *updateDocumentInput) (*updateDocumentOutput, error) {
			out, err := d.UpdateDocument(ctx, ssm.UpdateDocumentInput{
				Content: in.Content, Name: in.Name, DisplayName: in.DisplayName, VersionName: in.VersionName,
				DocumentVersion: in.DocumentVersion, DocumentFormat: in.DocumentFormat, TargetType: in.TargetType,
				Attachments: docAttachmentsIn(in.Attachments),
			})
			if err != nil {
				return nil, err
			}
			return &updateDocumentOutput{DocumentDescription: docDescriptionOut(out)}, nil
		}),
		gateway.Handle("UpdateDocumentDefaultVersion", func(ctx context.Context, in *updateDocumentDefaultVersionInput) (*updateDocumentDefaultVersionOutput, error) {
			v, err := d.UpdateDocumentDefaultVersion(ctx, in.Name, in.DocumentVersion)
			if err != nil {
				return nil, err
			}
			return &updateDocumentDefaultVersionOutput{Description: &documentDefaultVersionDescription{
				Name: v.Name, DefaultVersion: strconv.Itoa(v.Version), DefaultVersionName: v.VersionName,
			}}, nil
		}),
		gateway.Handle("ListDocumentVersions", func(ctx context.Context, in *listDocumentVersionsInput) (*listDocumentVersionsOutput, error) {
			out, err := d.ListDocumentVersions(ctx, ssm.ListDocumentVersionsInput{Name: in.Name,
				MaxResults: docIntPtr(in.MaxResults), NextToken: in.NextToken})
			if err != nil {
				return nil, err
			}
			res := &listDocumentVersionsOutput{DocumentVersions: make([]documentVersionInfo, len(out.Versions)), NextToken: out.NextToken}
			for i, v := range out.Versions {
				res.DocumentVersions[i] = documentVersionInfo{
					Name: v.Name, DisplayName: v.DisplayName, DocumentVersion: strconv.Itoa(v.Version), VersionName: v.VersionName,
					CreatedDate: v.CreatedDate, IsDefaultVersion: v.Version == out.Document.DefaultVersion,
					DocumentFormat: string(v.Format), Status: ssm.DocumentStatusActive,
				}
			}
			return res, nil
		}),
		gateway.Handle("DeleteDocument", func(ctx context.Context, in *deleteDocumentInput) (*deleteDocumentOutput, error) {
			err := d.DeleteDocument(ctx, ssm.DeleteDocumentInput{Name: in.Name, DocumentVersion: in.DocumentVersion,
				VersionName: in.VersionName, Force: in.Force})
			if err != nil {
				return nil, err
			}
			return &deleteDocumentOutput{}, nil
		}),
	}
}

// Wire shapes (botocore ssm/2014-11-06).

type documentTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type documentRequires struct {
	Name        string `json:"Name"`
	Version     string `json:"Version,omitempty"`
	RequireType string `json:"RequireType,omitempty"`
	VersionName string `json:"VersionName,omitempty"`
}

type attachmentsSource struct {
	Key    string   `json:"Key,omitempty"`
	Values []string `json:"Values,omitempty"`
	Name   string   `json:"Name,omitempty"`
}

type documentParameter struct {
	Name         string  `json:"Name,omitempty"`
	Type         string  `json:"Type,omitempty"`
	Description  string  `json:"Description,omitempty"`
	DefaultValue *string `json:"DefaultValue,omitempty"`
}

// documentDescription is the DocumentDescription shape.
type documentDescription struct {
	Hash              string              `json:"Hash,omitempty"`
	HashType          string              `json:"HashType,omitempty"`
	Name              string              `json:"Name,omitempty"`
	DisplayName       string              `json:"DisplayName,omitempty"`
	VersionName       string              `json:"VersionName,omitempty"`
	Owner             string              `json:"Owner,omitempty"`
	CreatedDate       time.Time           `json:"CreatedDate,omitempty"`
	Status            string              `json:"Status,omitempty"`
	StatusInformation string              `json:"StatusInformation,omitempty"`
	DocumentVersion   string              `json:"DocumentVersion,omitempty"`
	Description       string              `json:"Description,omitempty"`
	Parameters        []documentParameter `json:"Parameters,omitempty"`
	PlatformTypes     []string            `json:"PlatformTypes,omitempty"`
	DocumentType      string              `json:"DocumentType,omitempty"`
	SchemaVersion     string              `json:"SchemaVersion,omitempty"`
	LatestVersion     string              `json:"LatestVersion,omitempty"`
	DefaultVersion    string              `json:"DefaultVersion,omitempty"`
	DocumentFormat    string              `json:"DocumentFormat,omitempty"`
	TargetType        string              `json:"TargetType,omitempty"`
	Tags              []documentTag       `json:"Tags,omitempty"`
	Requires          []documentRequires  `json:"Requires,omitempty"`
	Author            string              `json:"Author,omitempty"`
	ReviewStatus      string              `json:"ReviewStatus,omitempty"`
}

type createDocumentInput struct {
	Content        string              `json:"Content"`
	Requires       []documentRequires  `json:"Requires"`
	Attachments    []attachmentsSource `json:"Attachments"`
	Name           string              `json:"Name"`
	DisplayName    *string             `json:"DisplayName"`
	VersionName    string              `json:"VersionName"`
	DocumentType   string              `json:"DocumentType"`
	DocumentFormat string              `json:"DocumentFormat"`
	TargetType     *string             `json:"TargetType"`
	Tags           []documentTag       `json:"Tags"`
}

type createDocumentOutput struct {
	DocumentDescription *documentDescription `json:"DocumentDescription,omitempty"`
}

type getDocumentInput struct {
	Name            string `json:"Name"`
	VersionName     string `json:"VersionName"`
	DocumentVersion string `json:"DocumentVersion"`
	DocumentFormat  string `json:"DocumentFormat"`
}

type getDocumentOutput struct {
	Name              string             `json:"Name,omitempty"`
	CreatedDate       time.Time          `json:"CreatedDate,omitempty"`
	DisplayName       string             `json:"DisplayName,omitempty"`
	VersionName       string             `json:"VersionName,omitempty"`
	DocumentVersion   string             `json:"DocumentVersion,omitempty"`
	Status            string             `json:"Status,omitempty"`
	StatusInformation string             `json:"StatusInformation,omitempty"`
	Content           string             `json:"Content,omitempty"`
	DocumentType      string             `json:"DocumentType,omitempty"`
	DocumentFormat    string             `json:"DocumentFormat,omitempty"`
	Requires          []documentRequires `json:"Requires,omitempty"`
	ReviewStatus      string             `json:"ReviewStatus,omitempty"`
}

type describeDocumentInput struct {
	Name            string `json:"Name"`
	DocumentVersion string `json:"DocumentVersion"`
	VersionName     string `json:"VersionName"`
}

type describeDocumentOutput struct {
	Document *documentDescription `json:"Document,omitempty"`
}

type documentFilter struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type documentKeyValuesFilter struct {
	Key    string   `json:"Key"`
	Values []string `json:"Values"`
}

type listDocumentsInput struct {
	DocumentFilterList []documentFilter          `json:"DocumentFilterList"`
	Filters            []documentKeyValuesFilter `json:"Filters"`
	MaxResults         *int32                    `json:"MaxResults"`
	NextToken          string                    `json:"NextToken"`
}

type documentIdentifier struct {
	Name            string             `json:"Name,omitempty"`
	CreatedDate     time.Time          `json:"CreatedDate,omitempty"`
	DisplayName     string             `json:"DisplayName,omitempty"`
	Owner           string             `json:"Owner,omitempty"`
	VersionName     string             `json:"VersionName,omitempty"`
	PlatformTypes   []string           `json:"PlatformTypes,omitempty"`
	DocumentVersion string             `json:"DocumentVersion,omitempty"`
	DocumentType    string             `json:"DocumentType,omitempty"`
	SchemaVersion   string             `json:"SchemaVersion,omitempty"`
	DocumentFormat  string             `json:"DocumentFormat,omitempty"`
	TargetType      string             `json:"TargetType,omitempty"`
	Tags            []documentTag      `json:"Tags,omitempty"`
	Requires        []documentRequires `json:"Requires,omitempty"`
	ReviewStatus    string             `json:"ReviewStatus,omitempty"`
	Author          string             `json:"Author,omitempty"`
}

type listDocumentsOutput struct {
	DocumentIdentifiers []documentIdentifier `json:"DocumentIdentifiers"`
	NextToken           string               `json:"NextToken,omitempty"`
}

type updateDocumentInput struct {
	Content         string              `json:"Content"`
	Attachments     []attachmentsSource `json:"Attachments"`
	Name            string              `json:"Name"`
	DisplayName     *string             `json:"DisplayName"`
	VersionName     string              `json:"VersionName"`
	DocumentVersion string              `json:"DocumentVersion"`
	DocumentFormat  string              `json:"DocumentFormat"`
	TargetType      *string             `json:"TargetType"`
}

type updateDocumentOutput struct {
	DocumentDescription *documentDescription `json:"DocumentDescription,omitempty"`
}

type updateDocumentDefaultVersionInput struct {
	Name            string `json:"Name"`
	DocumentVersion string `json:"DocumentVersion"`
}

type documentDefaultVersionDescription struct {
	Name               string `json:"Name,omitempty"`
	DefaultVersion     string `json:"DefaultVersion,omitempty"`
	DefaultVersionName string `json:"DefaultVersionName,omitempty"`
}

type updateDocumentDefaultVersionOutput struct {
	Description *documentDefaultVersionDescription `json:"Description,omitempty"`
}

type listDocumentVersionsInput struct {
	Name       string `json:"Name"`
	MaxResults *int32 `json:"MaxResults"`
	NextToken  string `json:"NextToken"`
}

type documentVersionInfo struct {
	Name              string    `json:"Name,omitempty"`
	DisplayName       string    `json:"DisplayName,omitempty"`
	DocumentVersion   string    `json:"DocumentVersion,omitempty"`
	VersionName       string    `json:"VersionName,omitempty"`
	CreatedDate       time.Time `json:"CreatedDate,omitempty"`
	IsDefaultVersion  bool      `json:"IsDefaultVersion"`
	DocumentFormat    string    `json:"DocumentFormat,omitempty"`
	Status            string    `json:"Status,omitempty"`
	StatusInformation string    `json:"StatusInformation,omitempty"`
	ReviewStatus      string    `json:"ReviewStatus,omitempty"`
}

type listDocumentVersionsOutput struct {
	DocumentVersions []documentVersionInfo `json:"DocumentVersions"`
	NextToken        string                `json:"NextToken,omitempty"`
}

type deleteDocumentInput struct {
	Name            string `json:"Name"`
	DocumentVersion string `json:"DocumentVersion"`
	VersionName     string `json:"VersionName"`
	Force           bool   `json:"Force"`
}

type deleteDocumentOutput struct{}

// Conversions.

func docDescriptionOut(in *ssm.DocumentDescription) *documentDescription {
	v := &in.Version
	out := &documentDescription{
		Hash: v.Hash, HashType: "Sha256", Name: v.Name, DisplayName: v.DisplayName, VersionName: v.VersionName,
		Owner: in.Document.Owner, CreatedDate: v.CreatedDate, Status: ssm.DocumentStatusActive,
		DocumentVersion: strconv.Itoa(v.Version), Description: v.Description, PlatformTypes: docNonNil(v.PlatformTypes),
		DocumentType: in.Document.Type, SchemaVersion: v.SchemaVersion,
		LatestVersion: strconv.Itoa(in.Document.LatestVersion), DefaultVersion: strconv.Itoa(in.Document.DefaultVersion),
		DocumentFormat: string(v.Format), TargetType: v.TargetType, Tags: docTagsOut(in.Tags),
		Requires: docRequiresOut(v.Requires),
	}
	if len(v.Parameters) > 0 {
		out.Parameters = make([]documentParameter, len(v.Parameters))
		for i, p := range v.Parameters {
			out.Parameters[i] = documentParameter{Name: p.Name, Type: p.Type, Description: p.Description}
			if p.HasDefault {
				out.Parameters[i].DefaultValue = &p.DefaultValue
			}
		}
	}
	return out
}

func docTagsIn(in []documentTag) []ssm.Tag {
	if in == nil {
		return nil
	}
	out := make([]ssm.Tag, len(in))
	for i, t := range in {
		out[i] = ssm.Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

// docTagsOut renders tags; AWS shows "Tags": [] for a document without any.
func docTagsOut(in []ssm.Tag) []documentTag {
	out := make([]documentTag, len(in))
	for i, t := range in {
		out[i] = documentTag{Key: t.Key, Value: t.Value}
	}
	return out
}

func docRequiresIn(in []documentRequires) []ssm.DocumentRequires {
	if in == nil {
		return nil
	}
	out := make([]ssm.DocumentRequires, len(in))
	for i, r := range in {
		out[i] = ssm.DocumentRequires(r)
	}
	return out
}

func docRequiresOut(in []ssm.DocumentRequires) []documentRequires {
	if len(in) == 0 {
		return nil
	}
	out := make([]documentRequires, len(in))
	for i, r := range in {
		out[i] = documentRequires(r)
	}
	return out
}

func docAttachmentsIn(in []attachmentsSource) []ssm.DocumentAttachment {
	if in == nil {
		return nil
	}
	out := make([]ssm.DocumentAttachment, len(in))
	for i, a := range in {
		out[i] = ssm.DocumentAttachment{Key: a.Key, Name: a.Name, Values: a.Values}
	}
	return out
}

func docNonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func docIntPtr(v *int32) *int {
	if v == nil {
		return nil
	}
	n := int(*v)
	return &n
}
