package ssm

import (
	"context"
	"errors"
	"slices"
	"strconv"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/ssm/document"
)

// CreateDocumentInput is a CreateDocument request. DocumentType "" means
// Command and DocumentFormat "" JSON, as on AWS.
type CreateDocumentInput struct {
	Content        string
	Name           string
	DisplayName    *string
	VersionName    string
	DocumentType   string
	DocumentFormat string
	TargetType     *string
	Requires       []DocumentRequires
	Attachments    []DocumentAttachment
	Tags           []Tag
}

// CreateDocument creates a document owned by the account, at version 1.
func (d *Documents) CreateDocument(ctx context.Context, in CreateDocumentInput) (*DocumentDescription, error) {
	var fe fieldErrors
	fe.docContent(in.Content, "content")
	fe.docName(in.Name, "name", false)
	fe.docVersionName(in.VersionName, "versionName")
	fe.docDisplayName(in.DisplayName, "displayName")
	if in.DocumentType != "" {
		fe.enum(in.DocumentType, "documentType", documentTypes...)
	}
	fe.docFormat(in.DocumentFormat, "documentFormat")
	fe.docTargetType(in.TargetType, "targetType")
	fe.docRequires(in.Requires, "requires")
	fe.docAttachments(in.Attachments, "attachments")
	if len(in.Tags) > docTagsMax {
		fe.add("["+strconv.Itoa(len(in.Tags))+" tags]", "tags", "Member must have length less than or equal to "+strconv.Itoa(docTagsMax))
	}
	checkTagList(&fe, in.Tags, "tags")
	if err := fe.err(); err != nil {
		return nil, err
	}
	if err := document.ValidateNewName(in.Name); err != nil {
		return nil, err
	}
	if err := checkAttachments(in.Attachments); err != nil {
		return nil, err
	}
	docType := in.DocumentType
	if docType == "" {
		docType = document.TypeCommand
	}
	v, err := parseContent(in.Content, normalFormat(in.DocumentFormat), docType)
	if err != nil {
		return nil, err
	}
	now := d.now()
	v.Name, v.Version, v.VersionName, v.Requires, v.CreatedDate = in.Name, 1, in.VersionName, in.Requires, now
	if in.DisplayName != nil {
		v.DisplayName = *in.DisplayName
	}
	if in.TargetType != nil {
		v.TargetType = *in.TargetType
	}
	info := &DocumentInfo{Name: in.Name, Owner: d.env.Account, Type: docType, CreatedDate: now,
		DefaultVersion: 1, LatestVersion: 1, MaxVersion: 1, VersionCount: 1}
	tags := uniqueTags(in.Tags)
	if len(tags) > maxTagsPerResource {
		return nil, steward.Errorf(CodeTooManyTagsError, "A document can have at most %d tags; the request has %d.", maxTagsPerResource, len(tags))
	}
	err = d.store.WriteDocument(ctx, in.Name, func(tx DocumentTx) error {
		cur, err := tx.Document(ctx)
		if err != nil {
			return err
		}
		if cur != nil {
			return errDocumentExists(in.Name)
		}
		n, err := tx.CountDocuments(ctx, d.env.Account)
		if err != nil {
			return err
		}
		if n >= maxUserDocuments {
			return steward.Errorf(CodeDocumentLimitExceeded, "You can have at most %d active SSM documents.", maxUserDocuments)
		}
		err = tx.CreateDocument(ctx, info, v, tags)
		if errors.Is(err, ErrDocumentExists) {
			return errDocumentExists(in.Name)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &DocumentDescription{Document: *info, Version: *v, Tags: tags}, nil
}

func errDocumentExists(name string) error {
	return steward.Errorf(CodeDocumentAlreadyExists, "Document with name %s already exists.", name)
}

// uniqueTags returns tags with one entry per key (the last given wins, in the
// position of the first), never nil.
func uniqueTags(tags []Tag) []Tag {
	out := make([]Tag, 0, len(tags))
	at := make(map[string]int, len(tags))
	for _, t := range tags {
		if i, ok := at[t.Key]; ok {
			out[i] = t
			continue
		}
		at[t.Key] = len(out)
		out = append(out, t)
	}
	return out
}

// GetDocumentInput is a GetDocument request. Name may be an ARN.
type GetDocumentInput struct {
	Name            string
	DocumentVersion string
	VersionName     string
	DocumentFormat  string // "" returns the content as stored
}

// GetDocument returns a version of a document (the default one unless
// DocumentVersion or VersionName says otherwise) with its content, converted
// to DocumentFormat when that differs from the stored format. Tags are not
// filled.
func (d *Documents) GetDocument(ctx context.Context, in GetDocumentInput) (*DocumentDescription, error) {
	var fe fieldErrors
	fe.docName(in.Name, "name", true)
	fe.docVersionName(in.VersionName, "versionName")
	fe.docVersion(in.DocumentVersion, "documentVersion")
	fe.docFormat(in.DocumentFormat, "documentFormat")
	if err := fe.err(); err != nil {
		return nil, err
	}
	info, v, err := d.lookup(ctx, in.Name, in.DocumentVersion, in.VersionName)
	if err != nil {
		return nil, err
	}
	if to := document.Format(in.DocumentFormat); to != "" && to != v.Format {
		content, err := document.Convert(v.Content, v.Format, to)
		if err != nil {
			return nil, err
		}
		v.Content, v.Format = content, to
	}
	return &DocumentDescription{Document: *info, Version: *v}, nil
}

// DescribeDocumentInput is a DescribeDocument request. Name may be an ARN.
type DescribeDocumentInput struct {
	Name            string
	DocumentVersion string
	VersionName     string
}

// DescribeDocument returns a version of a document (the default one unless
// DocumentVersion or VersionName says otherwise) with the document's tags.
func (d *Documents) DescribeDocument(ctx context.Context, in DescribeDocumentInput) (*DocumentDescription, error) {
	var fe fieldErrors
	fe.docName(in.Name, "name", true)
	fe.docVersion(in.DocumentVersion, "documentVersion")
	fe.docVersionName(in.VersionName, "versionName")
	if err := fe.err(); err != nil {
		return nil, err
	}
	info, v, err := d.lookup(ctx, in.Name, in.DocumentVersion, in.VersionName)
	if err != nil {
		return nil, err
	}
	tags, err := d.store.DocumentTags(ctx, info.Name)
	if err != nil {
		return nil, err
	}
	return &DocumentDescription{Document: *info, Version: *v, Tags: tags}, nil
}

// lookup finds a document named by name or ARN and one of its versions: the
// one version and/or versionName select, else the default. A missing
// document is InvalidDocument, a missing version InvalidDocumentVersion.
func (d *Documents) lookup(ctx context.Context, name, version, versionName string) (*DocumentInfo, *DocumentVersion, error) {
	ref, ok := d.parseDocumentRef(name)
	if !ok {
		return nil, nil, errNoDocument(name)
	}
	info, err := d.store.GetDocument(ctx, ref.name)
	if err != nil {
		return nil, nil, docStoreError(err, name, CodeInvalidDocumentVersion)
	}
	if !ref.owns(info) {
		return nil, nil, errNoDocument(name)
	}
	n := versionSel(version).number(info)
	if n == 0 && versionName == "" {
		n = info.DefaultVersion
	}
	if n < 0 {
		return nil, nil, docStoreError(ErrDocumentVersionNotFound, name, CodeInvalidDocumentVersion)
	}
	v, err := d.store.GetDocumentVersion(ctx, ref.name, n, versionName)
	if err != nil {
		return nil, nil, docStoreError(err, name, CodeInvalidDocumentVersion)
	}
	return info, v, nil
}

// UpdateDocumentInput is an UpdateDocument request. DocumentVersion "" means
// $LATEST; DisplayName and TargetType nil keep the latest version's.
type UpdateDocumentInput struct {
	Content         string
	Name            string
	DisplayName     *string
	VersionName     string
	DocumentVersion string
	DocumentFormat  string
	TargetType      *string
	Attachments     []DocumentAttachment
}

// UpdateDocument adds a version to a document the account owns. The request
// must name the latest version (or $LATEST); the new content must differ from
// the latest version's.
func (d *Documents) UpdateDocument(ctx context.Context, in UpdateDocumentInput) (*DocumentDescription, error) {
	var fe fieldErrors
	fe.docContent(in.Content, "content")
	fe.docName(in.Name, "name", false)
	fe.docDisplayName(in.DisplayName, "displayName")
	fe.docVersionName(in.VersionName, "versionName")
	fe.docVersion(in.DocumentVersion, "documentVersion")
	fe.docFormat(in.DocumentFormat, "documentFormat")
	fe.docTargetType(in.TargetType, "targetType")
	fe.docAttachments(in.Attachments, "attachments")
	if err := fe.err(); err != nil {
		return nil, err
	}
	if err := checkAttachments(in.Attachments); err != nil {
		return nil, err
	}
	format := normalFormat(in.DocumentFormat)
	parsed, err := document.Parse(in.Content, format)
	if err != nil {
		return nil, err
	}
	var out DocumentDescription
	err = d.store.WriteDocument(ctx, in.Name, func(tx DocumentTx) error {
		info, err := tx.Document(ctx)
		if err != nil {
			return err
		}
		if info == nil {
			return errNoDocument(in.Name)
		}
		if info.Owner == OwnerAmazon {
			return errAmazonDocument(in.Name)
		}
		if n := versionSel(in.DocumentVersion).number(info); n != 0 && n != info.LatestVersion {
			return steward.Errorf(CodeInvalidDocumentVersion,
				"Version provided for document %s is not latest. Please provide the latest version to update document %s.", in.Name, in.Name)
		}
		if err := document.Validate(info.Type, parsed); err != nil {
			return err
		}
		v := versionOf(parsed, in.Content, format)
		latest, err := tx.Version(ctx, info.LatestVersion, "")
		if err != nil {
			return err
		}
		if latest == nil {
			return steward.Internal(errors.New("ssm: document " + in.Name + " has no latest version"))
		}
		v.DisplayName, v.TargetType, v.Requires = latest.DisplayName, latest.TargetType, latest.Requires
		if in.DisplayName != nil {
			v.DisplayName = *in.DisplayName
		}
		if in.TargetType != nil {
			v.TargetType = *in.TargetType
		}
		if v.Hash == latest.Hash && v.TargetType == latest.TargetType {
			return steward.Errorf(CodeDuplicateDocumentContent,
				"The content of the association document matches another document. Change the content of the document and try again.")
		}
		if in.VersionName != "" {
			dup, err := tx.Version(ctx, 0, in.VersionName)
			if err != nil {
				return err
			}
			if dup != nil {
				return steward.Errorf(CodeDuplicateDocumentVersionName,
					"The specified version name %s is a duplicate; version names are unique across the versions of a document.", in.VersionName)
			}
		}
		if info.VersionCount >= maxDocumentVersions {
			return steward.Errorf(CodeDocumentVersionLimitExceeded,
				"Document %s has %d versions, the most a document can have. Delete one or more document versions and try again.",
				in.Name, info.VersionCount)
		}
		v.Name, v.Version, v.VersionName, v.CreatedDate = in.Name, info.MaxVersion+1, in.VersionName, d.now()
		if err := tx.PutVersion(ctx, v); err != nil {
			return err
		}
		next := *info
		next.LatestVersion, next.MaxVersion, next.VersionCount = v.Version, v.Version, info.VersionCount+1
		out = DocumentDescription{Document: next, Version: *v}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if out.Tags, err = d.store.DocumentTags(ctx, in.Name); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateDocumentDefaultVersion makes version the default version of a
// document the account owns, and returns that version.
func (d *Documents) UpdateDocumentDefaultVersion(ctx context.Context, name, version string) (*DocumentVersion, error) {
	var fe fieldErrors
	fe.docName(name, "name", false)
	switch {
	case version == "":
		fe.null("documentVersion")
	default:
		fe.docPattern(version, "documentVersion", docVersionNumRE, docVersionNumPattern)
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	var out *DocumentVersion
	err := d.store.WriteDocument(ctx, name, func(tx DocumentTx) error {
		info, err := tx.Document(ctx)
		if err != nil {
			return err
		}
		if info == nil {
			return errNoDocument(name)
		}
		if info.Owner == OwnerAmazon {
			return errAmazonDocument(name)
		}
		n := versionSel(version).number(info)
		v, err := tx.Version(ctx, n, "")
		if err != nil {
			return err
		}
		if n <= 0 || v == nil {
			return docStoreError(ErrDocumentVersionNotFound, name, CodeInvalidDocumentVersion)
		}
		out = v
		if n == info.DefaultVersion {
			return nil
		}
		return tx.SetDefaultVersion(ctx, n)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteDocumentInput is a DeleteDocument request. Without DocumentVersion
// and VersionName the whole document goes; with either, that one version.
type DeleteDocumentInput struct {
	Name            string
	DocumentVersion string
	VersionName     string
	Force           bool
}

// DeleteDocument deletes a document the account owns, or one of its versions
// other than the default one, with the document's tags when the document
// goes.
func (d *Documents) DeleteDocument(ctx context.Context, in DeleteDocumentInput) error {
	var fe fieldErrors
	fe.docName(in.Name, "name", false)
	fe.docVersion(in.DocumentVersion, "documentVersion")
	fe.docVersionName(in.VersionName, "versionName")
	if err := fe.err(); err != nil {
		return err
	}
	return d.store.WriteDocument(ctx, in.Name, func(tx DocumentTx) error {
		info, err := tx.Document(ctx)
		if err != nil {
			return err
		}
		if info == nil {
			return errNoDocument(in.Name)
		}
		if info.Owner == OwnerAmazon {
			return errAmazonDocument(in.Name)
		}
		if slices.Contains(forceDeleteTypes, info.Type) && !in.Force {
			return steward.Errorf(CodeInvalidDocumentOperation,
				"Documents of type %s can only be deleted with Force.", info.Type)
		}
		if in.DocumentVersion == "" && in.VersionName == "" {
			return tx.DeleteDocument(ctx)
		}
		n := versionSel(in.DocumentVersion).number(info)
		var v *DocumentVersion
		if n >= 0 {
			if v, err = tx.Version(ctx, n, in.VersionName); err != nil {
				return err
			}
		}
		if v == nil {
			return steward.Errorf(CodeInvalidDocument, "Document %s has no such version.", in.Name)
		}
		if v.Version == info.DefaultVersion {
			return steward.Errorf(CodeInvalidDocumentOperation, "Default version of the document can't be deleted.")
		}
		return tx.DeleteVersion(ctx, v.Version)
	})
}
