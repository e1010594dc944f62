package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/stewardhq/steward/agentproto"
	"github.com/stewardhq/steward/ssm"
)

// Managed nodes: table nodes (migrations 0004_nodes.sql); their tags live in
// the generic tags table (resource_type 'ManagedInstance', resource_id the
// node ID).

var _ ssm.NodeStore = (*DB)(nil)

const nodeCols = `n.id, n.activation_id, n.name, n.iam_role, n.registered_at, n.public_key, n.agent_version,
	n.platform_type, n.platform_name, n.platform_version, n.ip_address, n.computer_name, n.last_ping, n.deregistered`

func scanNode(s interface{ Scan(...any) error }) (*ssm.NodeRecord, error) {
	var r ssm.NodeRecord
	var registered, lastPing int64
	var dereg int
	if err := s.Scan(&r.ID, &r.ActivationID, &r.Name, &r.IamRole, &registered, &r.PublicKey, &r.Facts.AgentVersion,
		&r.Facts.PlatformType, &r.Facts.PlatformName, &r.Facts.PlatformVersion, &r.Facts.IPAddress, &r.Facts.ComputerName,
		&lastPing, &dereg); err != nil {
		return nil, err
	}
	r.RegistrationDate, r.LastPing, r.Deregistered = FromMillis(registered), FromMillis(lastPing), dereg != 0
	return &r, nil
}

// RegisterNode implements ssm.NodeStore.
func (db *DB) RegisterNode(ctx context.Context, activationID string, register func(*ssm.ActivationRecord) (*ssm.NodeRecord, error)) error {
	return db.InTx(ctx, func(tx *Tx) error {
		a, err := tx.getActivationForUpdate(ctx, activationID)
		if err != nil {
			return err
		}
		n, err := register(a)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE activations SET registrations_count = registrations_count + 1 WHERE id = ?`, a.ID); err != nil {
			return err
		}
		f := n.Facts
		if _, err := tx.Exec(ctx, `INSERT INTO nodes (id, activation_id, name, iam_role, registered_at, public_key,
			agent_version, platform_type, platform_name, platform_version, ip_address, computer_name, last_ping, deregistered)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
			n.ID, n.ActivationID, n.Name, n.IamRole, Millis(n.RegistrationDate), n.PublicKey, f.AgentVersion,
			f.PlatformType, f.PlatformName, f.PlatformVersion, f.IPAddress, f.ComputerName, Millis(n.LastPing)); err != nil {
			return err
		}
		return tx.PutTags(ctx, ssm.ResourceManagedInstance, n.ID, n.Tags)
	})
}

const getNodeSQL = `SELECT ` + nodeCols + ` FROM nodes n WHERE n.id = ?`

// GetNode implements ssm.NodeStore: one point query on the primary key (the
// agent channel's key lookups land here).
func (db *DB) GetNode(ctx context.Context, id string) (*ssm.NodeRecord, error) {
	r, err := scanNode(db.QueryRow(ctx, getNodeSQL, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ssm.ErrNodeNotFound
	}
	return r, err
}

// nodePos is the position encoded in DescribeInstanceInformation's NextToken.
type nodePos struct {
	After string `json:"k"`
}

// ListNodes implements ssm.NodeStore with one query: tag conditions are
// semi-joins on the tags table (index tags_by_key), never a query per node.
func (db *DB) ListNodes(ctx context.Context, q ssm.NodeQuery) ([]*ssm.NodeRecord, string, error) {
	var pos nodePos
	if q.Token != "" && (!DecodeToken(q.Token, &pos) || pos.After == "") {
		return nil, "", ssm.ErrInvalidNextToken
	}
	where := []string{`n.deregistered = 0`}
	var args []any
	if pos.After != "" {
		where = append(where, `n.id > ?`)
		args = append(args, pos.After)
	}
	for _, c := range q.Conditions {
		cond, a := nodeCondition(c, q.OnlineSince)
		where = append(where, cond)
		args = append(args, a...)
	}
	query := `SELECT ` + nodeCols + ` FROM nodes n WHERE ` + strings.Join(where, " AND ") + ` ORDER BY n.id`
	if q.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, q.Limit+1)
	}
	rows, err := db.Query(ctx, query, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []*ssm.NodeRecord
	for rows.Next() {
		r, err := scanNode(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
		next = EncodeToken(nodePos{After: out[len(out)-1].ID})
	}
	return out, next, nil
}

// nodeCondition translates one condition into SQL on n (nodes).
func nodeCondition(c ssm.NodeCondition, onlineSince time.Time) (string, []any) {
	in := func(col string, values []string) (string, []any) {
		if len(values) == 0 {
			return "1 = 0", nil
		}
		args := make([]any, len(values))
		for i, v := range values {
			args[i] = v
		}
		return col + ` IN (` + marks(len(values)) + `)`, args
	}
	switch c.Field {
	case ssm.NodeIDIs:
		return in("n.id", c.Values)
	case ssm.NodeAgentVersionIs:
		return in("n.agent_version", c.Values)
	case ssm.NodePlatformTypeIs:
		return in("n.platform_type", c.Values)
	case ssm.NodeActivationIs:
		return in("n.activation_id", c.Values)
	case ssm.NodeIamRoleIs:
		return in("n.iam_role", c.Values)
	case ssm.NodeOnline:
		return `n.last_ping >= ?`, []any{Millis(onlineSince)}
	case ssm.NodeConnectionLost:
		return `n.last_ping < ?`, []any{Millis(onlineSince)}
	case ssm.NodeTag:
		cond, args := in("t.tag_value", c.Values)
		return `n.id IN (SELECT t.resource_id FROM tags t WHERE t.resource_type = ? AND t.tag_key = ? AND ` + cond + `)`,
			append([]any{ssm.ResourceManagedInstance, c.TagKey}, args...)
	case ssm.NodeTagKey:
		cond, args := in("t.tag_key", c.Values)
		return `n.id IN (SELECT t.resource_id FROM tags t WHERE t.resource_type = ? AND ` + cond + `)`,
			append([]any{ssm.ResourceManagedInstance}, args...)
	}
	return "1 = 0", nil
}

// UpdateNodeFacts implements ssm.NodeStore.
func (db *DB) UpdateNodeFacts(ctx context.Context, id string, f agentproto.Facts) error {
	res, err := db.Exec(ctx, `UPDATE nodes SET agent_version = ?, platform_type = ?, platform_name = ?,
		platform_version = ?, ip_address = ?, computer_name = ? WHERE id = ? AND deregistered = 0`,
		f.AgentVersion, f.PlatformType, f.PlatformName, f.PlatformVersion, f.IPAddress, f.ComputerName, id)
	return nodeAffected(res, err)
}

// UpdateNodeRole implements ssm.NodeStore.
func (db *DB) UpdateNodeRole(ctx context.Context, id, role string) error {
	res, err := db.Exec(ctx, `UPDATE nodes SET iam_role = ? WHERE id = ? AND deregistered = 0`, role, id)
	return nodeAffected(res, err)
}

// DeregisterNode implements ssm.NodeStore.
func (db *DB) DeregisterNode(ctx context.Context, id string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE nodes SET deregistered = 1 WHERE id = ? AND deregistered = 0`, id)
		if err := nodeAffected(res, err); err != nil {
			return err
		}
		return tx.DeleteTags(ctx, ssm.ResourceManagedInstance, id)
	})
}

func nodeAffected(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ssm.ErrNodeNotFound
	}
	return nil
}

// touchChunk bounds the rows of one UPDATE statement (two parameters each).
const touchChunk = 512

// TouchNodes implements ssm.NodeStore: one transaction, one multi-row
// UPDATE … FROM (VALUES …) per chunk of nodes. A chunk is padded to a power
// of two by repeating its last row (harmless: the same node, the same time),
// so only a handful of distinct statements are ever built, rebound and
// planned.
func (db *DB) TouchNodes(ctx context.Context, seen map[string]time.Time) error {
	if len(seen) == 0 {
		return nil
	}
	ids := make([]string, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return db.InTx(ctx, func(tx *Tx) error {
		for start := 0; start < len(ids); start += touchChunk {
			chunk := ids[start:min(start+touchChunk, len(ids))]
			rows := 1
			for rows < len(chunk) {
				rows *= 2
			}
			args := make([]any, 0, 2*rows)
			for i := range rows {
				id := chunk[min(i, len(chunk)-1)]
				args = append(args, id, Millis(seen[id]))
			}
			values := strings.TrimSuffix(strings.Repeat("(?, CAST(? AS BIGINT)), ", rows), ", ")
			if _, err := tx.Exec(ctx, `UPDATE nodes SET last_ping = v.column2 FROM (VALUES `+values+`) AS v
				WHERE nodes.id = v.column1 AND nodes.last_ping < v.column2`, args...); err != nil {
				return err
			}
		}
		return nil
	})
}
