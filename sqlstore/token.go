package sqlstore

import (
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"time"
)

func nowMillis() int64 { return time.Now().UnixMilli() }

// EncodeToken makes an opaque pagination token from a position value.
func EncodeToken(pos any) string {
	b, _ := json.Marshal(pos)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeToken reads a token made by EncodeToken into pos. It reports false for
// a token that is not one of ours.
func DecodeToken(token string, pos any) bool {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return false
	}
	return json.Unmarshal(b, pos) == nil
}

// page trims a result fetched with LIMIT limit+1 to limit rows and, when a row
// was left over, returns the token that continues after the last row kept.
func page[T any](out []T, limit int, pos func(last T) any) ([]T, string) {
	if len(out) <= limit {
		return out, ""
	}
	out = out[:limit]
	return out, EncodeToken(pos(out[len(out)-1]))
}

// scanRows reads every row with scan and closes rows.
func scanRows[T any](rows *sql.Rows, scan func(*sql.Rows) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
