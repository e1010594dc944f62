package ssm

import (
	"context"
	"errors"
	"fmt"

	"github.com/stewardhq/steward/ssm/document"
)

// InstallBuiltins brings the Amazon-owned documents Steward ships
// (document.Builtins) up to date: a missing one is created at version 1; one
// whose shipped content or target type changed gets a new version, which
// becomes its default. Run again, it changes nothing. Server start calls it;
// several servers may run it at once.
func (d *Documents) InstallBuiltins(ctx context.Context) error {
	for _, b := range document.Builtins() {
		if err := d.installBuiltin(ctx, b); err != nil {
			return fmt.Errorf("install document %s: %w", b.Name, err)
		}
	}
	return nil
}

func (d *Documents) installBuiltin(ctx context.Context, b document.Builtin) error {
	shipped, err := parseContent(b.Content, normalFormat(string(b.Format)), b.DocumentType)
	if err != nil {
		return err
	}
	shipped.Name, shipped.TargetType = b.Name, b.TargetType
	write := func(tx DocumentTx) error {
		v := *shipped
		v.CreatedDate = d.now()
		info, err := tx.Document(ctx)
		if err != nil {
			return err
		}
		if info == nil {
			v.Version = 1
			return tx.CreateDocument(ctx, &DocumentInfo{Name: b.Name, Owner: OwnerAmazon, Type: b.DocumentType,
				CreatedDate: v.CreatedDate, DefaultVersion: 1, LatestVersion: 1, MaxVersion: 1, VersionCount: 1}, &v, nil)
		}
		if info.Owner != OwnerAmazon {
			return fmt.Errorf("the document exists and is owned by %s, not Amazon", info.Owner)
		}
		cur, err := tx.Version(ctx, info.DefaultVersion, "")
		if err != nil {
			return err
		}
		if cur != nil && cur.Hash == v.Hash && cur.Format == v.Format && cur.TargetType == v.TargetType {
			return nil
		}
		v.Version = info.MaxVersion + 1
		if err := tx.PutVersion(ctx, &v); err != nil {
			return err
		}
		return tx.SetDefaultVersion(ctx, v.Version)
	}
	err = d.store.WriteDocument(ctx, b.Name, write)
	if errors.Is(err, ErrDocumentExists) { // another server created it first
		err = d.store.WriteDocument(ctx, b.Name, write)
	}
	return err
}
