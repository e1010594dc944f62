package ssm

import (
	"context"
	"errors"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/ssm/document"
)

// SSM documents: named, versioned JSON/YAML (or TEXT) documents that Run
// Command, State Manager, Maintenance Windows and Automation execute.
//
// Identity: a document is identified by its name. Users' documents are owned
// by the account (Owner is the account ID, ARN
// arn:aws:ssm:REGION:ACCOUNT:document/NAME); the documents Steward ships are
// owned by Amazon (Owner "Amazon", ARN arn:aws:ssm:REGION::document/NAME)
// and can be read and run but not changed or deleted. Operations whose Name
// member is a DocumentARN in the API model (GetDocument, DescribeDocument,
// ListDocumentVersions) accept either form.
//
// Versions: CreateDocument makes version 1; each UpdateDocument adds the next
// number (numbers are never reused, even after a version is deleted). The
// default version is what a run without an explicit version uses; only
// UpdateDocumentDefaultVersion changes it.

// Document error codes (the modeled shape names of the SSM API). The content
// errors come from package document: document.CodeInvalidDocumentContent,
// document.CodeInvalidDocumentSchemaVersion, document.CodeMaxDocumentSizeExceeded.
const (
	CodeInvalidDocument              = "InvalidDocument"
	CodeInvalidDocumentVersion       = "InvalidDocumentVersion"
	CodeInvalidDocumentOperation     = "InvalidDocumentOperation"
	CodeDocumentAlreadyExists        = "DocumentAlreadyExists"
	CodeDocumentLimitExceeded        = "DocumentLimitExceeded"
	CodeDocumentVersionLimitExceeded = "DocumentVersionLimitExceeded"
	CodeDuplicateDocumentContent     = "DuplicateDocumentContent"
	CodeDuplicateDocumentVersionName = "DuplicateDocumentVersionName"
	CodeDocumentInvalidFilterKey     = "InvalidFilterKey"
	CodeDocumentInvalidNextToken     = "InvalidNextToken"
)

// Document limits: AWS quotas and the API model's constraints. Sources:
// botocore ssm/2014-11-06 service model; reference/ssm.md §1.1.
const (
	maxUserDocuments      = 500  // documents per account and region (Amazon's not counted)
	maxDocumentVersions   = 1000 // versions per document
	docDisplayNameMax     = 1024
	docTargetTypeMax      = 200
	docRequireTypeMax     = 128
	docAttachmentsMax     = 20
	docAttachmentValueMax = 1024
	docTagsMax            = 1000 // TagList max in the model
	docFiltersMax         = 6    // DocumentKeyValuesFilterList max
	docFilterKeyMax       = 128
	docFilterValueMax     = 256
	docPageMax            = 50 // MaxResults of ListDocuments / ListDocumentVersions
	docDefaultPageSize    = 50
)

// OwnerAmazon is the Owner of the documents Steward ships.
const OwnerAmazon = "Amazon"

// Status of every stored document version (Steward creates documents
// synchronously, so Creating/Updating/Deleting are never observed).
const DocumentStatusActive = "Active"

// DocumentInfo is what a document's versions share.
type DocumentInfo struct {
	Name           string
	Owner          string // the account ID, or OwnerAmazon
	Type           string // DocumentType: Command, Automation, …
	CreatedDate    time.Time
	DefaultVersion int
	LatestVersion  int // the highest version number that exists
	MaxVersion     int // the highest version number ever assigned
	VersionCount   int
}

// DocumentVersion is one version of a document: its content and what
// DescribeDocument derives from it.
type DocumentVersion struct {
	Name          string
	Version       int
	VersionName   string // "" when none
	DisplayName   string
	Content       string
	Format        document.Format
	Hash          string // SHA-256 of Content, hex
	SchemaVersion string
	Description   string
	Parameters    []DocumentParameter // in document order
	PlatformTypes []string            // in AWS's order: Windows, Linux, MacOS
	TargetType    string
	Requires      []DocumentRequires
	CreatedDate   time.Time
}

// DocumentParameter is a document parameter as DescribeDocument lists it.
type DocumentParameter struct {
	Name         string
	Type         string
	Description  string
	DefaultValue string
	HasDefault   bool // false: the parameter is required and DefaultValue is absent
}

// DocumentRequires is one document a document requires (AppConfig).
type DocumentRequires struct {
	Name        string
	Version     string
	RequireType string
	VersionName string
}

// DocumentDescription is a document at one version, with its tags: what
// CreateDocument, UpdateDocument and DescribeDocument return, and (without
// Content, Description and Parameters) each entry of ListDocuments.
type DocumentDescription struct {
	Document DocumentInfo
	Version  DocumentVersion
	Tags     []Tag
}

// DocumentQuery selects a page of ListDocuments, in name order (byte order).
// Each entry describes the document's default version; the store leaves
// Content, Description and Parameters empty and fills Tags.
type DocumentQuery struct {
	Owner      string              // "" any owner; else an account ID or OwnerAmazon
	Conditions []DocumentCondition // all must hold
	Token      string              // NextToken of the previous page, "" for the first
	Limit      int                 // page size, ≥ 1
}

// DocumentField is what a DocumentCondition looks at.
type DocumentField int

// The fields of a DocumentCondition.
const (
	// DocumentNamePrefix: the name starts with one of the values.
	DocumentNamePrefix DocumentField = iota + 1
	// DocumentTypeIs: the document type is one of the values.
	DocumentTypeIs
	// DocumentPlatform: the platform types include one of the values.
	DocumentPlatform
	// DocumentSchemaVersionIs: the schema version is one of the values.
	DocumentSchemaVersionIs
	// DocumentTargetTypeIs: the target type is one of the values.
	DocumentTargetTypeIs
	// DocumentKeyword: the name contains one of the values, ignoring ASCII case.
	DocumentKeyword
	// DocumentTag: the document has tag TagKey with one of the values (any
	// value when Values is empty).
	DocumentTag
)

// DocumentCondition is one condition of a DocumentQuery: Field matches any of
// Values.
type DocumentCondition struct {
	Field  DocumentField
	TagKey string // DocumentTag only
	Values []string
}

// Store errors for documents. (ErrInvalidNextToken is shared with Parameter
// Store.)
var (
	// ErrDocumentNotFound reports a document that does not exist.
	ErrDocumentNotFound = errors.New("ssm: document not found")
	// ErrDocumentVersionNotFound reports a version that does not exist.
	ErrDocumentVersionNotFound = errors.New("ssm: document version not found")
	// ErrDocumentExists reports a CreateDocument that lost a race with
	// another creation of the same name.
	ErrDocumentExists = errors.New("ssm: document already exists")
)

// DocumentStore persists documents.
//
// GetDocument returns a document's shared facts, or ErrDocumentNotFound.
//
// GetDocumentVersion returns a version with everything filled: the one
// numbered version when version > 0, the one named versionName when that is
// not "", the one matching both when both are given. It returns
// ErrDocumentNotFound when the document does not exist and
// ErrDocumentVersionNotFound when it has no such version.
//
// DocumentTags returns a document's tags in key order (empty, not nil, when
// it has none).
//
// ListDocuments returns a page of documents matching q (see DocumentQuery)
// and the token of the next page ("" after the last). A token the store did
// not make returns ErrInvalidNextToken.
//
// ListDocumentVersions returns up to limit versions of a document in
// ascending version order, starting after token, without Content,
// Description and Parameters, and the next token ("" after the last). It
// returns ErrDocumentNotFound when the document does not exist and
// ErrInvalidNextToken for a token it did not make.
//
// WriteDocument runs fn in a write transaction on the document called name
// (see DocumentTx) and commits when fn returns nil. An error from fn is
// returned unchanged. fn may run more than once when concurrent writers
// collide, so it must have no effects outside tx.
type DocumentStore interface {
	GetDocument(ctx context.Context, name string) (*DocumentInfo, error)
	GetDocumentVersion(ctx context.Context, name string, version int, versionName string) (*DocumentVersion, error)
	DocumentTags(ctx context.Context, name string) ([]Tag, error)
	ListDocuments(ctx context.Context, q DocumentQuery) ([]*DocumentDescription, string, error)
	ListDocumentVersions(ctx context.Context, name, token string, limit int) ([]*DocumentVersion, string, error)
	WriteDocument(ctx context.Context, name string, fn func(DocumentTx) error) error
}

// DocumentTx is a write transaction on one document.
//
// Document returns the document (nil when it does not exist) and locks it for
// the rest of the transaction. Version returns a version selected as in
// DocumentStore.GetDocumentVersion, or nil when there is none.
// CountDocuments returns the number of documents owner owns.
//
// CreateDocument stores a new document with its first version and tags; it
// returns ErrDocumentExists when the name is taken. PutVersion adds a version
// (v.Version above every number assigned so far), making it the latest.
// SetDefaultVersion changes the default version to an existing version.
// DeleteVersion removes a version other than the default; the latest version
// becomes the highest remaining one. DeleteDocument removes the document with
// all its versions and its tags.
type DocumentTx interface {
	Document(ctx context.Context) (*DocumentInfo, error)
	Version(ctx context.Context, version int, versionName string) (*DocumentVersion, error)
	CountDocuments(ctx context.Context, owner string) (int, error)
	CreateDocument(ctx context.Context, info *DocumentInfo, v *DocumentVersion, tags []Tag) error
	PutVersion(ctx context.Context, v *DocumentVersion) error
	SetDefaultVersion(ctx context.Context, version int) error
	DeleteVersion(ctx context.Context, version int) error
	DeleteDocument(ctx context.Context) error
}

// Documents is the SSM document service.
type Documents struct {
	store DocumentStore
	env   Env
}

// NewDocuments returns the document service on store.
func NewDocuments(store DocumentStore, env Env) *Documents {
	if env.Clock == nil {
		env.Clock = steward.SystemClock{}
	}
	return &Documents{store: store, env: env}
}

func (d *Documents) now() time.Time { return d.env.Clock.Now().UTC().Truncate(time.Millisecond) }

// ARN returns the document's ARN: arn:aws:ssm:REGION:ACCOUNT:document/NAME,
// with an empty account for Amazon-owned documents.
func (d *Documents) ARN(info *DocumentInfo) string {
	if info.Owner == OwnerAmazon {
		return "arn:aws:ssm:" + d.env.Region + "::document/" + info.Name
	}
	return d.env.ARN("document/" + info.Name)
}

// Exists reports whether the caller's account owns a document called name (a
// name or an ARN), as the tagging operations need: nil when it does, an
// InvalidResourceId error when there is no such document or it is owned by
// Amazon (AWS's own documents cannot be tagged).
func (d *Documents) Exists(ctx context.Context, name string) error {
	notFound := steward.Errorf(CodeInvalidResourceID, "The resource ID %s is not a document of this account.", name)
	ref, ok := d.parseDocumentRef(name)
	if !ok {
		return notFound
	}
	info, err := d.store.GetDocument(ctx, ref.name)
	if errors.Is(err, ErrDocumentNotFound) {
		return notFound
	}
	if err != nil {
		return err
	}
	if info.Owner == OwnerAmazon || !ref.owns(info) {
		return notFound
	}
	return nil
}

// errNoDocument is InvalidDocument for a missing document.
func errNoDocument(name string) error {
	return steward.Errorf(CodeInvalidDocument, "Document with name %s does not exist.", name)
}

// errAmazonDocument refuses a change to a document owned by Amazon.
func errAmazonDocument(name string) error {
	return steward.Errorf(CodeInvalidDocumentOperation,
		"Document %s is owned by Amazon and cannot be updated or deleted.", name)
}

// docStoreError turns store sentinels of a read into AWS errors: a missing
// document is InvalidDocument, a missing version versionCode (which differs
// per operation), a bad token InvalidNextToken.
func docStoreError(err error, name, versionCode string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrDocumentNotFound):
		return errNoDocument(name)
	case errors.Is(err, ErrDocumentVersionNotFound):
		return steward.Errorf(versionCode, "The document version is not valid or does not exist.")
	case errors.Is(err, ErrInvalidNextToken):
		return steward.Errorf(CodeDocumentInvalidNextToken, "The specified token isn't valid.")
	}
	return err
}
