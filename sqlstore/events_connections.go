package sqlstore

import (
	"context"
	"database/sql"

	"github.com/stewardhq/steward/events"
)

// EventBridge connections and API destinations: tables event_connections
// and event_api_destinations (0011_connections.sql). The connection's
// authorization parameters arrive sealed; this file never sees a secret.

const connectionCols = `name, uuid, description, auth_type, state, auth, created_at, modified_at, authorized_at`

func scanConnection(s rowScanner) (*events.ConnectionRecord, error) {
	var c events.ConnectionRecord
	var created, modified, authorized int64
	if err := s.Scan(&c.Name, &c.UUID, &c.Description, &c.AuthType, &c.State, &c.SealedAuth, &created, &modified, &authorized); err != nil {
		return nil, err
	}
	c.CreatedAt, c.ModifiedAt, c.AuthorizedAt = FromMillis(created), FromMillis(modified), FromMillis(authorized)
	return &c, nil
}

// GetConnection implements events.Store.
func (s *EventsStore) GetConnection(ctx context.Context, name string) (*events.ConnectionRecord, error) {
	return notFoundOr(scanConnection(s.db.QueryRow(ctx, `SELECT `+connectionCols+` FROM event_connections WHERE name = ?`, name)))
}

// ListConnections implements events.Store.
func (s *EventsStore) ListConnections(ctx context.Context, prefix, state, token string, limit int) ([]*events.ConnectionRecord, string, error) {
	after := ""
	if token != "" && (!DecodeToken(token, &after) || after == "") {
		return nil, "", events.ErrInvalidToken
	}
	where, args := `name > ? AND substr(name, 1, ?) = ?`, []any{after, len(prefix), prefix}
	if state != "" {
		where, args = where+` AND state = ?`, append(args, state)
	}
	rows, err := s.db.Query(ctx, `SELECT `+connectionCols+` FROM event_connections WHERE `+where+` ORDER BY name LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, err := scanRows(rows, func(r *sql.Rows) (*events.ConnectionRecord, error) { return scanConnection(r) })
	if err != nil {
		return nil, "", err
	}
	out, next := page(out, limit, func(last *events.ConnectionRecord) any { return last.Name })
	return out, next, nil
}

// PutConnection implements events.Store.
func (s *EventsStore) PutConnection(ctx context.Context, c *events.ConnectionRecord, create bool) error {
	var res sql.Result
	var err error
	if create {
		res, err = s.db.Exec(ctx, `INSERT INTO event_connections (`+connectionCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (name) DO NOTHING`,
			c.Name, c.UUID, c.Description, c.AuthType, c.State, c.SealedAuth, Millis(c.CreatedAt), Millis(c.ModifiedAt), Millis(c.AuthorizedAt))
	} else {
		res, err = s.db.Exec(ctx, `UPDATE event_connections SET description = ?, auth_type = ?, state = ?, auth = ?,
			modified_at = ?, authorized_at = ? WHERE name = ?`,
			c.Description, c.AuthType, c.State, c.SealedAuth, Millis(c.ModifiedAt), Millis(c.AuthorizedAt), c.Name)
	}
	return affected(res, err, create)
}

// DeleteConnection implements events.Store.
func (s *EventsStore) DeleteConnection(ctx context.Context, name string) error {
	res, err := s.db.Exec(ctx, `DELETE FROM event_connections WHERE name = ?`, name)
	return affected(res, err, false)
}

// affected maps "no row changed" to ErrConflict (an insert) or ErrNotFound.
func affected(res sql.Result, err error, create bool) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		if create {
			return events.ErrConflict
		}
		return events.ErrNotFound
	}
	return nil
}

const destinationCols = `name, uuid, description, connection_arn, endpoint, http_method, rate_limit, state, created_at, modified_at`

func scanDestination(s rowScanner) (*events.APIDestinationRecord, error) {
	var d events.APIDestinationRecord
	var created, modified int64
	if err := s.Scan(&d.Name, &d.UUID, &d.Description, &d.ConnectionARN, &d.Endpoint, &d.Method, &d.RateLimit, &d.State, &created, &modified); err != nil {
		return nil, err
	}
	d.CreatedAt, d.ModifiedAt = FromMillis(created), FromMillis(modified)
	return &d, nil
}

// GetAPIDestination implements events.Store.
func (s *EventsStore) GetAPIDestination(ctx context.Context, name string) (*events.APIDestinationRecord, error) {
	return notFoundOr(scanDestination(s.db.QueryRow(ctx, `SELECT `+destinationCols+` FROM event_api_destinations WHERE name = ?`, name)))
}

// ListAPIDestinations implements events.Store.
func (s *EventsStore) ListAPIDestinations(ctx context.Context, prefix, connectionARN, token string, limit int) ([]*events.APIDestinationRecord, string, error) {
	after := ""
	if token != "" && (!DecodeToken(token, &after) || after == "") {
		return nil, "", events.ErrInvalidToken
	}
	where, args := `name > ? AND substr(name, 1, ?) = ?`, []any{after, len(prefix), prefix}
	if connectionARN != "" {
		where, args = where+` AND connection_arn = ?`, append(args, connectionARN)
	}
	rows, err := s.db.Query(ctx, `SELECT `+destinationCols+` FROM event_api_destinations WHERE `+where+` ORDER BY name LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, err := scanRows(rows, func(r *sql.Rows) (*events.APIDestinationRecord, error) { return scanDestination(r) })
	if err != nil {
		return nil, "", err
	}
	out, next := page(out, limit, func(last *events.APIDestinationRecord) any { return last.Name })
	return out, next, nil
}

// PutAPIDestination implements events.Store.
func (s *EventsStore) PutAPIDestination(ctx context.Context, d *events.APIDestinationRecord, create bool) error {
	var res sql.Result
	var err error
	if create {
		res, err = s.db.Exec(ctx, `INSERT INTO event_api_destinations (`+destinationCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (name) DO NOTHING`,
			d.Name, d.UUID, d.Description, d.ConnectionARN, d.Endpoint, d.Method, d.RateLimit, d.State, Millis(d.CreatedAt), Millis(d.ModifiedAt))
	} else {
		res, err = s.db.Exec(ctx, `UPDATE event_api_destinations SET description = ?, connection_arn = ?, endpoint = ?,
			http_method = ?, rate_limit = ?, state = ?, modified_at = ? WHERE name = ?`,
			d.Description, d.ConnectionARN, d.Endpoint, d.Method, d.RateLimit, d.State, Millis(d.ModifiedAt), d.Name)
	}
	return affected(res, err, create)
}

// DeleteAPIDestination implements events.Store.
func (s *EventsStore) DeleteAPIDestination(ctx context.Context, name string) error {
	res, err := s.db.Exec(ctx, `DELETE FROM event_api_destinations WHERE name = ?`, name)
	return affected(res, err, false)
}
