package sqlstore

import (
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
