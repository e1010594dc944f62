package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/stewardhq/steward/events"
)

// EventBridge control plane: tables event_buses, event_rules,
// event_targets, event_tags and event_state (0010_events.sql). A target is
// stored as a JSON spec next to its ARN (which ListRuleNamesByTarget
// queries). Every committed Update moves rules_version. The data plane
// (deliveries, metrics, the outbox drain) is in events_delivery.go.

// EventsStore implements events.Store.
type EventsStore struct{ db *DB }

var _ events.Store = (*EventsStore)(nil)

// NewEventsStore returns the EventBridge store on db.
func NewEventsStore(db *DB) *EventsStore { return &EventsStore{db: db} }

type rowScanner interface{ Scan(...any) error }

const busCols = `name, description, created_at, modified_at`

func scanBus(s rowScanner) (*events.BusRecord, error) {
	var b events.BusRecord
	var created, modified int64
	if err := s.Scan(&b.Name, &b.Description, &created, &modified); err != nil {
		return nil, err
	}
	b.CreatedAt, b.ModifiedAt = FromMillis(created), FromMillis(modified)
	return &b, nil
}

const ruleCols = `bus, name, event_pattern, schedule, state, description, role_arn, managed_by, created_by, created_at, modified_at, next_fire_at`

func scanRule(s rowScanner) (*events.RuleRecord, error) {
	var r events.RuleRecord
	var created, modified, next int64
	if err := s.Scan(&r.Bus, &r.Name, &r.EventPattern, &r.ScheduleExpression, &r.State, &r.Description, &r.RoleARN,
		&r.ManagedBy, &r.CreatedBy, &created, &modified, &next); err != nil {
		return nil, err
	}
	r.CreatedAt, r.ModifiedAt, r.NextFireAt = FromMillis(created), FromMillis(modified), FromMillis(next)
	return &r, nil
}

// targetSpec is the stored form of a target (everything but ID and ARN).
type targetSpec struct {
	RoleARN       string           `json:"roleArn,omitempty"`
	Input         *string          `json:"input,omitempty"`
	InputPath     *string          `json:"inputPath,omitempty"`
	Transformer   *transformerSpec `json:"transformer,omitempty"`
	RetryAttempts *int             `json:"retryAttempts,omitempty"`
	RetryAge      *int             `json:"retryAge,omitempty"`
	HasRetry      bool             `json:"hasRetry,omitempty"`
	DeadLetterARN string           `json:"deadLetterArn,omitempty"`
	SQSGroup      *string          `json:"sqsGroup,omitempty"`
	RunCommand    []runCommandSpec `json:"runCommand,omitempty"`
	HasRunCommand bool             `json:"hasRunCommand,omitempty"`
	HTTP          *httpSpec        `json:"http,omitempty"`
}

type httpSpec struct {
	Path    []string          `json:"path,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	Query   map[string]string `json:"query,omitempty"`
}

type transformerSpec struct {
	Paths    map[string]string `json:"paths,omitempty"`
	Template string            `json:"template"`
}

type runCommandSpec struct {
	Key    string   `json:"key"`
	Values []string `json:"values"`
}

func targetSpecOf(t *events.Target) string {
	s := targetSpec{RoleARN: t.RoleARN, Input: t.Input, InputPath: t.InputPath, DeadLetterARN: t.DeadLetterARN,
		SQSGroup: t.SQSMessageGroup, HasRunCommand: t.HasRunCommand}
	if tr := t.InputTransformer; tr != nil {
		s.Transformer = &transformerSpec{Paths: tr.PathsMap, Template: tr.Template}
	}
	if p := t.RetryPolicy; p != nil {
		s.HasRetry, s.RetryAttempts, s.RetryAge = true, p.MaximumRetryAttempts, p.MaximumEventAgeInSeconds
	}
	for _, rc := range t.RunCommand {
		s.RunCommand = append(s.RunCommand, runCommandSpec{Key: rc.Key, Values: rc.Values})
	}
	if h := t.HTTP; h != nil {
		s.HTTP = &httpSpec{Path: h.PathParameterValues, Headers: h.HeaderParameters, Query: h.QueryParameters}
	}
	b, _ := json.Marshal(s)
	return string(b)
}

func scanTarget(s rowScanner) (*events.TargetRecord, error) {
	var r events.TargetRecord
	var spec string
	if err := s.Scan(&r.Bus, &r.Rule, &r.ID, &r.ARN, &spec); err != nil {
		return nil, err
	}
	var ts targetSpec
	if err := json.Unmarshal([]byte(spec), &ts); err != nil {
		return nil, err
	}
	r.RoleARN, r.Input, r.InputPath, r.DeadLetterARN = ts.RoleARN, ts.Input, ts.InputPath, ts.DeadLetterARN
	r.SQSMessageGroup, r.HasRunCommand = ts.SQSGroup, ts.HasRunCommand
	if tr := ts.Transformer; tr != nil {
		r.InputTransformer = &events.InputTransformer{PathsMap: tr.Paths, Template: tr.Template}
	}
	if ts.HasRetry {
		r.RetryPolicy = &events.RetryPolicy{MaximumRetryAttempts: ts.RetryAttempts, MaximumEventAgeInSeconds: ts.RetryAge}
	}
	for _, rc := range ts.RunCommand {
		r.RunCommand = append(r.RunCommand, events.RunCommandTarget{Key: rc.Key, Values: rc.Values})
	}
	if h := ts.HTTP; h != nil {
		r.HTTP = &events.HTTPParametersTarget{PathParameterValues: h.Path, HeaderParameters: h.Headers, QueryParameters: h.Query}
	}
	return &r, nil
}

func notFoundOr[T any](v T, err error) (T, error) {
	if errors.Is(err, sql.ErrNoRows) {
		var zero T
		return zero, events.ErrNotFound
	}
	return v, err
}

// GetBus implements events.Store.
func (s *EventsStore) GetBus(ctx context.Context, name string) (*events.BusRecord, error) {
	return notFoundOr(scanBus(s.db.QueryRow(ctx, `SELECT `+busCols+` FROM event_buses WHERE name = ?`, name)))
}

// ListBuses implements events.Store.
func (s *EventsStore) ListBuses(ctx context.Context, prefix, token string, limit int) ([]*events.BusRecord, string, error) {
	after := ""
	if token != "" && (!DecodeToken(token, &after) || after == "") {
		return nil, "", events.ErrInvalidToken
	}
	rows, err := s.db.Query(ctx, `SELECT `+busCols+` FROM event_buses
		WHERE name > ? AND substr(name, 1, ?) = ? ORDER BY name LIMIT ?`, after, len(prefix), prefix, limit+1)
	if err != nil {
		return nil, "", err
	}
	out, err := scanRows(rows, func(r *sql.Rows) (*events.BusRecord, error) { return scanBus(r) })
	if err != nil {
		return nil, "", err
	}
	out, next := page(out, limit, func(last *events.BusRecord) any { return last.Name })
	return out, next, nil
}

// GetRule implements events.Store.
func (s *EventsStore) GetRule(ctx context.Context, bus, name string) (*events.RuleRecord, error) {
	return notFoundOr(scanRule(s.db.QueryRow(ctx, `SELECT `+ruleCols+` FROM event_rules WHERE bus = ? AND name = ?`, bus, name)))
}

// ListRules implements events.Store.
func (s *EventsStore) ListRules(ctx context.Context, q events.RuleQuery) ([]*events.RuleRecord, string, error) {
	after := ""
	if q.Token != "" && (!DecodeToken(q.Token, &after) || after == "") {
		return nil, "", events.ErrInvalidToken
	}
	rows, err := s.db.Query(ctx, `SELECT `+ruleCols+` FROM event_rules
		WHERE bus = ? AND name > ? AND substr(name, 1, ?) = ? ORDER BY name LIMIT ?`, q.Bus, after, len(q.Prefix), q.Prefix, q.Limit+1)
	if err != nil {
		return nil, "", err
	}
	out, err := scanRows(rows, func(r *sql.Rows) (*events.RuleRecord, error) { return scanRule(r) })
	if err != nil {
		return nil, "", err
	}
	out, next := page(out, q.Limit, func(last *events.RuleRecord) any { return last.Name })
	return out, next, nil
}

const targetCols = `bus, rule, id, arn, spec`

// ListTargets implements events.Store.
func (s *EventsStore) ListTargets(ctx context.Context, bus, rule, token string, limit int) ([]*events.TargetRecord, string, error) {
	after := ""
	if token != "" && (!DecodeToken(token, &after) || after == "") {
		return nil, "", events.ErrInvalidToken
	}
	rows, err := s.db.Query(ctx, `SELECT `+targetCols+` FROM event_targets
		WHERE bus = ? AND rule = ? AND id > ? ORDER BY id LIMIT ?`, bus, rule, after, limit+1)
	if err != nil {
		return nil, "", err
	}
	out, err := scanRows(rows, func(r *sql.Rows) (*events.TargetRecord, error) { return scanTarget(r) })
	if err != nil {
		return nil, "", err
	}
	out, next := page(out, limit, func(last *events.TargetRecord) any { return last.ID })
	return out, next, nil
}

// RuleNamesByTarget implements events.Store.
func (s *EventsStore) RuleNamesByTarget(ctx context.Context, bus, arn, token string, limit int) ([]string, string, error) {
	after := ""
	if token != "" && (!DecodeToken(token, &after) || after == "") {
		return nil, "", events.ErrInvalidToken
	}
	rows, err := s.db.Query(ctx, `SELECT DISTINCT rule FROM event_targets
		WHERE bus = ? AND arn = ? AND rule > ? ORDER BY rule LIMIT ?`, bus, arn, after, limit+1)
	if err != nil {
		return nil, "", err
	}
	out, err := scanRows(rows, func(r *sql.Rows) (string, error) {
		var n string
		return n, r.Scan(&n)
	})
	if err != nil {
		return nil, "", err
	}
	out, next := page(out, limit, func(last string) any { return last })
	return out, next, nil
}

// Tags implements events.Store.
func (s *EventsStore) Tags(ctx context.Context, bus, rule string) ([]events.Tag, error) {
	rows, err := s.db.Query(ctx, `SELECT tag_key, tag_value FROM event_tags WHERE bus = ? AND rule = ? ORDER BY tag_key`, bus, rule)
	if err != nil {
		return nil, err
	}
	return scanRows(rows, func(r *sql.Rows) (events.Tag, error) {
		var t events.Tag
		return t, r.Scan(&t.Key, &t.Value)
	})
}

// AllRules implements events.Store.
func (s *EventsStore) AllRules(ctx context.Context) ([]*events.RuleRecord, error) {
	rows, err := s.db.Query(ctx, `SELECT `+ruleCols+` FROM event_rules ORDER BY bus, name`)
	if err != nil {
		return nil, err
	}
	return scanRows(rows, func(r *sql.Rows) (*events.RuleRecord, error) { return scanRule(r) })
}

// AllTargets implements events.Store.
func (s *EventsStore) AllTargets(ctx context.Context) ([]*events.TargetRecord, error) {
	rows, err := s.db.Query(ctx, `SELECT `+targetCols+` FROM event_targets ORDER BY bus, rule, id`)
	if err != nil {
		return nil, err
	}
	return scanRows(rows, func(r *sql.Rows) (*events.TargetRecord, error) { return scanTarget(r) })
}

// RulesVersion implements events.Store.
func (s *EventsStore) RulesVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.db.QueryRow(ctx, `SELECT value FROM event_state WHERE name = 'rules_version'`).Scan(&v)
	return v, err
}

// Update implements events.Store.
func (s *EventsStore) Update(ctx context.Context, fn func(events.Tx) error) error {
	return s.db.InTx(ctx, func(tx *Tx) error {
		if err := fn(&eventsTx{tx: tx, db: s.db}); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE event_state SET value = value + 1 WHERE name = 'rules_version'`)
		return err
	})
}

// eventsTx implements events.Tx.
type eventsTx struct {
	tx *Tx
	db *DB
}

func (t *eventsTx) GetBus(ctx context.Context, name string) (*events.BusRecord, error) {
	return notFoundOr(scanBus(t.tx.QueryRow(ctx, `SELECT `+busCols+` FROM event_buses WHERE name = ?`, name)))
}

func (t *eventsTx) GetRule(ctx context.Context, bus, name string) (*events.RuleRecord, error) {
	return notFoundOr(scanRule(t.tx.QueryRow(ctx, `SELECT `+ruleCols+` FROM event_rules WHERE bus = ? AND name = ?`, bus, name)))
}

func (t *eventsTx) Targets(ctx context.Context, bus, rule string) ([]*events.TargetRecord, error) {
	rows, err := t.tx.Query(ctx, `SELECT `+targetCols+` FROM event_targets WHERE bus = ? AND rule = ? ORDER BY id`, bus, rule)
	if err != nil {
		return nil, err
	}
	return scanRows(rows, func(r *sql.Rows) (*events.TargetRecord, error) { return scanTarget(r) })
}

func (t *eventsTx) CountBuses(ctx context.Context) (int, error) {
	var n int
	err := t.tx.QueryRow(ctx, `SELECT COUNT(*) FROM event_buses`).Scan(&n)
	return n, err
}

func (t *eventsTx) CountRules(ctx context.Context, bus string) (int, error) {
	var n int
	err := t.tx.QueryRow(ctx, `SELECT COUNT(*) FROM event_rules WHERE bus = ?`, bus).Scan(&n)
	return n, err
}

func (t *eventsTx) InsertBus(ctx context.Context, b *events.BusRecord) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO event_buses (`+busCols+`) VALUES (?, ?, ?, ?)`,
		b.Name, b.Description, Millis(b.CreatedAt), Millis(b.ModifiedAt))
	if err != nil && t.db.dialect.IsUniqueViolation != nil && t.db.dialect.IsUniqueViolation(err) {
		return events.ErrConflict
	}
	return err
}

func (t *eventsTx) UpdateBus(ctx context.Context, b *events.BusRecord) error {
	_, err := t.tx.Exec(ctx, `UPDATE event_buses SET description = ?, modified_at = ? WHERE name = ?`, b.Description, Millis(b.ModifiedAt), b.Name)
	return err
}

func (t *eventsTx) DeleteBus(ctx context.Context, name string) error {
	if _, err := t.tx.Exec(ctx, `DELETE FROM event_tags WHERE bus = ?`, name); err != nil {
		return err
	}
	_, err := t.tx.Exec(ctx, `DELETE FROM event_buses WHERE name = ?`, name) // rules and targets cascade
	return err
}

func (t *eventsTx) PutRule(ctx context.Context, r *events.RuleRecord) error {
	args := []any{r.Bus, r.Name, r.EventPattern, r.ScheduleExpression, r.State, r.Description, r.RoleARN, r.ManagedBy, r.CreatedBy,
		Millis(r.CreatedAt), Millis(r.ModifiedAt), Millis(r.NextFireAt)}
	_, err := t.tx.Exec(ctx, `INSERT INTO event_rules (`+ruleCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (bus, name) DO UPDATE SET event_pattern = excluded.event_pattern, schedule = excluded.schedule,
		state = excluded.state, description = excluded.description, role_arn = excluded.role_arn,
		managed_by = excluded.managed_by, created_by = excluded.created_by, created_at = excluded.created_at,
		modified_at = excluded.modified_at, next_fire_at = excluded.next_fire_at`, args...)
	return err
}

func (t *eventsTx) DeleteRule(ctx context.Context, bus, name string) error {
	if _, err := t.tx.Exec(ctx, `DELETE FROM event_tags WHERE bus = ? AND rule = ?`, bus, name); err != nil {
		return err
	}
	_, err := t.tx.Exec(ctx, `DELETE FROM event_rules WHERE bus = ? AND name = ?`, bus, name) // targets cascade
	return err
}

func (t *eventsTx) PutTargets(ctx context.Context, ts []*events.TargetRecord) error {
	for _, r := range ts {
		if _, err := t.tx.Exec(ctx, `INSERT INTO event_targets (`+targetCols+`) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (bus, rule, id) DO UPDATE SET arn = excluded.arn, spec = excluded.spec`,
			r.Bus, r.Rule, r.ID, r.ARN, targetSpecOf(&r.Target)); err != nil {
			return err
		}
	}
	return nil
}

func (t *eventsTx) DeleteTargets(ctx context.Context, bus, rule string, ids []string) ([]string, error) {
	var removed []string
	for _, id := range ids {
		res, err := t.tx.Exec(ctx, `DELETE FROM event_targets WHERE bus = ? AND rule = ? AND id = ?`, bus, rule, id)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			removed = append(removed, id)
		}
	}
	return removed, nil
}

func (t *eventsTx) SetTags(ctx context.Context, bus, rule string, tags []events.Tag) error {
	for _, tag := range tags {
		if _, err := t.tx.Exec(ctx, `INSERT INTO event_tags (bus, rule, tag_key, tag_value) VALUES (?, ?, ?, ?)
			ON CONFLICT (bus, rule, tag_key) DO UPDATE SET tag_value = excluded.tag_value`, bus, rule, tag.Key, tag.Value); err != nil {
			return err
		}
	}
	return nil
}

func (t *eventsTx) RemoveTags(ctx context.Context, bus, rule string, keys []string) error {
	for _, k := range keys {
		if _, err := t.tx.Exec(ctx, `DELETE FROM event_tags WHERE bus = ? AND rule = ? AND tag_key = ?`, bus, rule, k); err != nil {
			return err
		}
	}
	return nil
}
