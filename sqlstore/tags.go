package sqlstore

import (
	"context"
	"strings"

	"github.com/stewardhq/steward/ssm"
)

// ListTags implements ssm.TagStore.
func (db *DB) ListTags(ctx context.Context, resourceType, resourceID string) ([]ssm.Tag, error) {
	return listTags(ctx, db.read, db, resourceType, resourceID)
}

// UpdateTags implements ssm.TagStore.
func (db *DB) UpdateTags(ctx context.Context, resourceType, resourceID string, update func([]ssm.Tag) ([]ssm.Tag, error)) error {
	return db.InTx(ctx, func(tx *Tx) error {
		cur, err := listTags(ctx, tx.tx, db, resourceType, resourceID)
		if err != nil {
			return err
		}
		next, err := update(cur)
		if err != nil {
			return err
		}
		if err := tx.DeleteTags(ctx, resourceType, resourceID); err != nil {
			return err
		}
		return tx.PutTags(ctx, resourceType, resourceID, next)
	})
}

func listTags(ctx context.Context, q querier, db *DB, resourceType, resourceID string) ([]ssm.Tag, error) {
	rows, err := q.QueryContext(ctx, db.q(`SELECT tag_key, tag_value FROM tags
		WHERE resource_type = ? AND resource_id = ? ORDER BY tag_key`), resourceType, resourceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ssm.Tag{}
	for rows.Next() {
		var t ssm.Tag
		if err := rows.Scan(&t.Key, &t.Value); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// PutTags adds tags to a resource inside t, replacing the values of keys it
// already has (when a key repeats in tags, the last value wins). Stores of
// other SSM resources use it to write tags in their own transactions.
func (t *Tx) PutTags(ctx context.Context, resourceType, resourceID string, tags []ssm.Tag) error {
	if len(tags) == 0 {
		return nil
	}
	last := make(map[string]int, len(tags))
	for i, tag := range tags {
		last[tag.Key] = i
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO tags (resource_type, resource_id, tag_key, tag_value) VALUES `)
	args := make([]any, 0, 4*len(last))
	n := 0
	for i, tag := range tags {
		if last[tag.Key] != i {
			continue
		}
		if n > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?)")
		args = append(args, resourceType, resourceID, tag.Key, tag.Value)
		n++
	}
	b.WriteString(` ON CONFLICT (resource_type, resource_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value`)
	_, err := t.Exec(ctx, b.String(), args...)
	return err
}

// DeleteTags removes every tag of a resource inside t (when the resource is
// deleted, for instance).
func (t *Tx) DeleteTags(ctx context.Context, resourceType, resourceID string) error {
	_, err := t.Exec(ctx, `DELETE FROM tags WHERE resource_type = ? AND resource_id = ?`, resourceType, resourceID)
	return err
}
