package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/stewardhq/steward/iam"
)

// PutAccessKey implements iam.KeyStore.
func (db *DB) PutAccessKey(ctx context.Context, k *iam.SealedKey) error {
	_, err := db.Exec(ctx, `INSERT INTO access_keys
		(access_key_id, secret_sealed, user_name, user_id, arn, status, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (access_key_id) DO UPDATE SET secret_sealed = excluded.secret_sealed,
		user_name = excluded.user_name, user_id = excluded.user_id, arn = excluded.arn,
		status = excluded.status`,
		k.AccessKeyID, k.SecretSealed, k.UserName, k.UserID, k.ARN, k.Status, Millis(k.CreatedAt))
	return err
}

const accessKeyCols = `access_key_id, secret_sealed, user_name, user_id, arn, status, created_at`

func scanAccessKey(s interface{ Scan(...any) error }) (*iam.SealedKey, error) {
	var k iam.SealedKey
	var created int64
	if err := s.Scan(&k.AccessKeyID, &k.SecretSealed, &k.UserName, &k.UserID, &k.ARN, &k.Status, &created); err != nil {
		return nil, err
	}
	k.CreatedAt = FromMillis(created)
	return &k, nil
}

// GetAccessKey implements iam.KeyStore.
func (db *DB) GetAccessKey(ctx context.Context, id string) (*iam.SealedKey, error) {
	k, err := scanAccessKey(db.QueryRow(ctx, `SELECT `+accessKeyCols+` FROM access_keys WHERE access_key_id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, iam.ErrNoSuchKey
	}
	return k, err
}

// ListAccessKeys implements iam.KeyStore.
func (db *DB) ListAccessKeys(ctx context.Context) ([]*iam.SealedKey, error) {
	rows, err := db.Query(ctx, `SELECT `+accessKeyCols+` FROM access_keys ORDER BY created_at, access_key_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*iam.SealedKey
	for rows.Next() {
		k, err := scanAccessKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}
