package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/ssm"
)

// Run Command (ssm.CommandStore). The tables are in 0005_commands.sql.
//
// Every write transaction on a command reads and locks the command row first
// (FOR UPDATE on PostgreSQL; SQLite has one writer), then touches
// invocations: one lock order, no deadlocks. Output appends lock only the
// invocation row, which also keeps chunk IDs in commit order per invocation.

var _ ssm.CommandStore = (*DB)(nil)

// commandCols are the commands columns of ssm.CommandRecord except steps.
const commandCols = `c.command_id, c.document_name, c.document_version, c.schema_version, c.step_names, c.secure_refs,
	c.comment, c.parameters, c.instance_ids, c.targets, c.requested_at, c.deadline, c.expires_at, c.timeout_seconds,
	c.execution_timeout, c.output_s3_region, c.output_s3_bucket, c.output_s3_prefix, c.max_concurrency, c.max_errors,
	c.concurrency_limit, c.error_limit, c.service_role, c.notification, c.cloudwatch, c.alarms, c.triggered_alarms,
	c.status, c.status_details, c.done, c.cancel_requested, c.stopped, c.target_count, c.completed_count,
	c.success_count, c.failed_count, c.exec_timed_out_count, c.delivery_timed_out_count, c.cancelled_count,
	c.terminated_count, c.non_counting_count, c.acked_count, c.inflight_count`

// engineCols are the commands columns a transaction of the engine reads
// (see ssm.CommandTx.Command), scanned by scanEngine; the notification
// settings and what a Command notification carries are among them.
const engineCols = `c.command_id, c.document_name, c.step_names, c.secure_refs, c.parameters, c.requested_at, c.deadline,
	c.expires_at, c.concurrency_limit, c.error_limit, c.status, c.status_details, c.done, c.cancel_requested, c.stopped,
	c.target_count, c.completed_count, c.success_count, c.failed_count, c.exec_timed_out_count,
	c.delivery_timed_out_count, c.cancelled_count, c.terminated_count, c.non_counting_count, c.acked_count, c.inflight_count,
	c.notification, c.instance_ids, c.output_s3_bucket, c.output_s3_prefix`

func (r *commandRow) engineDest() []any {
	c := &r.c
	return []any{&c.CommandID, &c.DocumentName, &r.stepNames, &r.secureRefs, &r.params, &r.requested, &r.deadline,
		&r.expires, &c.ConcurrencyLimit, &c.ErrorLimit, &c.Status, &c.StatusDetails, &r.done, &r.cancel, &r.stopped,
		&r.target, &r.completed, &r.success, &r.failed, &r.execTO,
		&r.deliveryTO, &r.cancelled, &r.terminated, &r.nonCounting, &r.acked, &r.inflight,
		&r.notification, &r.ids, &c.OutputS3Bucket, &c.OutputS3Prefix}
}

func scanEngine(s docScanner, extra ...any) (*ssm.CommandRecord, error) {
	var r commandRow
	if err := s.Scan(append(r.engineDest(), extra...)...); err != nil {
		return nil, err
	}
	return r.record()
}

// invocationCols are the invocations columns of ssm.InvocationRecord.
const invocationCols = `i.command_id, i.node_id, i.seq, i.phase, i.status, i.status_details, i.offline, i.requested_at,
	i.dispatched_at, i.acked_at, i.finished_at, i.response_code`

// Stored JSON forms.
type storedNotification struct {
	Arn    string   `json:"arn,omitempty"`
	Events []string `json:"events,omitempty"`
	Type   string   `json:"type,omitempty"`
}

type storedCloudWatch struct {
	Group   string `json:"group,omitempty"`
	Enabled bool   `json:"enabled,omitempty"`
}

type storedAlarms struct {
	Ignore bool     `json:"ignore,omitempty"`
	Alarms []string `json:"alarms"`
}

type storedAlarmState struct {
	Name  string `json:"n"`
	State string `json:"s"`
}

type storedTarget struct {
	Key    string   `json:"k"`
	Values []string `json:"v"`
}

func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// commandRow receives a commands row.
type commandRow struct {
	c                                                                 ssm.CommandRecord
	stepNames, secureRefs, params, ids, targets                       string
	requested, deadline, expires                                      int64
	notification, cloudwatch, alarms, triggered                       string
	done, cancel, stopped                                             int
	target, completed, success, failed, execTO, deliveryTO, cancelled int
	terminated, nonCounting, acked, inflight                          int
}

func (r *commandRow) dest() []any {
	c := &r.c
	return []any{&c.CommandID, &c.DocumentName, &c.DocumentVersion, &c.SchemaVersion, &r.stepNames, &r.secureRefs,
		&c.Comment, &r.params, &r.ids, &r.targets, &r.requested, &r.deadline, &r.expires, &c.TimeoutSeconds,
		&c.ExecutionTimeout, &c.OutputS3Region, &c.OutputS3Bucket, &c.OutputS3Prefix, &c.MaxConcurrency, &c.MaxErrors,
		&c.ConcurrencyLimit, &c.ErrorLimit, &c.ServiceRole, &r.notification, &r.cloudwatch, &r.alarms, &r.triggered,
		&c.Status, &c.StatusDetails, &r.done, &r.cancel, &r.stopped, &r.target, &r.completed,
		&r.success, &r.failed, &r.execTO, &r.deliveryTO, &r.cancelled,
		&r.terminated, &r.nonCounting, &r.acked, &r.inflight}
}

func (r *commandRow) record() (*ssm.CommandRecord, error) {
	c := r.c
	c.RequestedAt, c.Deadline, c.ExpiresAt = FromMillis(r.requested), FromMillis(r.deadline), FromMillis(r.expires)
	c.Done, c.CancelRequested, c.Stopped = r.done != 0, r.cancel != 0, r.stopped != 0
	c.Counters = ssm.CommandCounters{Target: r.target, Completed: r.completed, Success: r.success, Failed: r.failed,
		ExecTimedOut: r.execTO, DeliveryTimedOut: r.deliveryTO, Cancelled: r.cancelled, Terminated: r.terminated,
		NonCounting: r.nonCounting, Acked: r.acked, InFlight: r.inflight}
	var targets []storedTarget
	var n storedNotification
	var cw storedCloudWatch
	var triggered []storedAlarmState
	for _, f := range []struct {
		text string
		dst  any
	}{{r.stepNames, &c.StepNames}, {r.secureRefs, &c.SecureRefs}, {r.params, &c.Parameters}, {r.ids, &c.InstanceIDs},
		{r.targets, &targets}, {r.notification, &n}, {r.cloudwatch, &cw}, {r.triggered, &triggered}} {
		if f.text == "" {
			continue
		}
		if err := json.Unmarshal([]byte(f.text), f.dst); err != nil {
			return nil, fmt.Errorf("command %s: %w", c.CommandID, err)
		}
	}
	for _, t := range targets {
		c.Targets = append(c.Targets, ssm.Target{Key: t.Key, Values: t.Values})
	}
	c.Notification = ssm.NotificationConfig{NotificationArn: n.Arn, NotificationEvents: n.Events, NotificationType: n.Type}
	c.CloudWatch = ssm.CloudWatchOutputConfig{CloudWatchLogGroupName: cw.Group, CloudWatchOutputEnabled: cw.Enabled}
	if r.alarms != "" {
		var a storedAlarms
		if err := json.Unmarshal([]byte(r.alarms), &a); err != nil {
			return nil, fmt.Errorf("command %s alarms: %w", c.CommandID, err)
		}
		c.Alarms = &ssm.AlarmConfiguration{IgnorePollAlarmFailure: a.Ignore, Alarms: a.Alarms}
	}
	for _, t := range triggered {
		c.TriggeredAlarms = append(c.TriggeredAlarms, ssm.AlarmState{Name: t.Name, State: t.State})
	}
	return &c, nil
}

func scanCommand(s docScanner, extra ...any) (*ssm.CommandRecord, error) {
	var r commandRow
	if err := s.Scan(append(r.dest(), extra...)...); err != nil {
		return nil, err
	}
	return r.record()
}

// invocationRow receives an invocations row.
type invocationRow struct {
	i                                      ssm.InvocationRecord
	phase, offline                         int
	requested, dispatched, acked, finished int64
}

func (r *invocationRow) dest() []any {
	i := &r.i
	return []any{&i.CommandID, &i.NodeID, &i.Seq, &r.phase, &i.Status, &i.StatusDetails, &r.offline, &r.requested,
		&r.dispatched, &r.acked, &r.finished, &i.ResponseCode}
}

func (r *invocationRow) record() *ssm.InvocationRecord {
	i := r.i
	i.Phase, i.Offline = ssm.InvocationPhase(r.phase), r.offline != 0
	i.RequestedAt, i.DispatchedAt, i.AckedAt, i.FinishedAt = FromMillis(r.requested), FromMillis(r.dispatched), FromMillis(r.acked), FromMillis(r.finished)
	return &i
}

// commandValues are the insert values of c, in commandCols order (steps
// follows separately).
func commandValues(c *ssm.CommandRecord) ([]any, error) {
	targets := make([]storedTarget, len(c.Targets))
	for i, t := range c.Targets {
		targets[i] = storedTarget{Key: t.Key, Values: t.Values}
	}
	triggered := make([]storedAlarmState, len(c.TriggeredAlarms))
	for i, t := range c.TriggeredAlarms {
		triggered[i] = storedAlarmState(t)
	}
	texts := make([]string, 0, 9)
	for _, v := range []any{nonNil(c.StepNames), nonNil(c.SecureRefs), c.Parameters, nonNil(c.InstanceIDs), targets,
		storedNotification{c.Notification.NotificationArn, c.Notification.NotificationEvents, c.Notification.NotificationType},
		storedCloudWatch{c.CloudWatch.CloudWatchLogGroupName, c.CloudWatch.CloudWatchOutputEnabled}, triggered} {
		t, err := jsonText(v)
		if err != nil {
			return nil, err
		}
		texts = append(texts, t)
	}
	alarms := ""
	if c.Alarms != nil {
		var err error
		if alarms, err = jsonText(storedAlarms{Ignore: c.Alarms.IgnorePollAlarmFailure, Alarms: nonNil(c.Alarms.Alarms)}); err != nil {
			return nil, err
		}
	}
	k := c.Counters
	return []any{c.CommandID, c.DocumentName, c.DocumentVersion, c.SchemaVersion, texts[0], texts[1],
		c.Comment, texts[2], texts[3], texts[4], Millis(c.RequestedAt), Millis(c.Deadline), Millis(c.ExpiresAt), c.TimeoutSeconds,
		c.ExecutionTimeout, c.OutputS3Region, c.OutputS3Bucket, c.OutputS3Prefix, c.MaxConcurrency, c.MaxErrors,
		c.ConcurrencyLimit, c.ErrorLimit, c.ServiceRole, texts[5], texts[6], alarms, texts[7],
		c.Status, c.StatusDetails, Bool(c.Done), Bool(c.CancelRequested), Bool(c.Stopped), k.Target, k.Completed,
		k.Success, k.Failed, k.ExecTimedOut, k.DeliveryTimedOut, k.Cancelled,
		k.Terminated, k.NonCounting, k.Acked, k.InFlight}, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// plainCols returns cols without the "x." alias prefixes.
func plainCols(cols string) string {
	var out []string
	for _, c := range strings.Split(cols, ",") {
		c = strings.TrimSpace(c)
		if i := strings.IndexByte(c, '.'); i >= 0 {
			c = c[i+1:]
		}
		out = append(out, c)
	}
	return strings.Join(out, ", ")
}

var (
	insertCommandSQL = `INSERT INTO commands (` + plainCols(commandCols) + `, steps) VALUES (` +
		marks(strings.Count(commandCols, ",")+2) + `)`
	invocationColsPlain = plainCols(invocationCols)
	invocationColCount  = strings.Count(invocationCols, ",") + 1
)

// CreateCommand implements ssm.CommandStore.
func (db *DB) CreateCommand(ctx context.Context, c *ssm.CommandRecord, invs []*ssm.InvocationRecord, fn func(ssm.CommandTx) error) error {
	db.warmHot(ctx)
	vals, err := commandValues(c)
	if err != nil {
		return err
	}
	vals = append(vals, string(c.Steps))
	return db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, insertCommandSQL, vals...); err != nil {
			return err
		}
		for start := 0; start < len(invs); start += invocationsPerInsert {
			batch := invs[start:min(start+invocationsPerInsert, len(invs))]
			args := make([]any, 0, len(batch)*invocationColCount)
			for _, i := range batch {
				args = append(args, i.CommandID, i.NodeID, i.Seq, int(i.Phase), i.Status, i.StatusDetails, Bool(i.Offline),
					Millis(i.RequestedAt), Millis(i.DispatchedAt), Millis(i.AckedAt), Millis(i.FinishedAt), i.ResponseCode)
			}
			q := `INSERT INTO invocations (` + invocationColsPlain + `) VALUES ` + rowsOf(invocationColCount, len(batch))
			if _, err := tx.Exec(ctx, q, args...); err != nil {
				return err
			}
		}
		return fn(&cmdTx{tx: tx, id: c.CommandID})
	})
}

// invocationsPerInsert bounds the rows of one multi-row INSERT (12
// parameters each; SQLite allows 32,766 per statement, PostgreSQL 65,535).
const invocationsPerInsert = 500

// UpdateCommand implements ssm.CommandStore.
func (db *DB) UpdateCommand(ctx context.Context, commandID string, fn func(ssm.CommandTx) error) error {
	db.warmHot(ctx)
	return db.InTx(ctx, func(tx *Tx) error {
		t := &cmdTx{tx: tx, id: commandID}
		if _, err := t.Command(ctx); err != nil {
			return err
		}
		return fn(t)
	})
}

// Hot statements. The per-node path (Ack, Result, Output) runs a handful of
// fixed statements in every transaction; on SQLite parsing them cost a third
// of the CPU of a 1,000-node run. They are prepared once per database on the
// write pool (outside any transaction, so the single write connection is
// free) and used in transactions through Tx.StmtContext, which reuses the
// statement already prepared on that connection. They live in the DB's
// statement cache under a prefix no read query has, so DB.Close closes them.
// (PostgreSQL's driver caches statements itself; this changes nothing there.)
//
// TODO(lead): this belongs in db.go as a general write-statement cache for
// every store.

const hotPrefix = "\x00write\x00"

func hotLockCommandSQL(db *DB) string {
	return `SELECT ` + engineCols + ` FROM commands c WHERE c.command_id = ?` + db.forUpdate()
}

func hotOutputLockSQL(db *DB) string {
	return `SELECT phase FROM invocations WHERE command_id = ? AND node_id = ?` + db.forUpdate()
}

const (
	hotInvocationSQL    = `SELECT ` + invocationCols + ` FROM invocations i WHERE i.command_id = ? AND i.node_id = ?`
	hotUpdateInvocation = `UPDATE invocations SET phase = ?, status = ?, status_details = ?, dispatched_at = ?, acked_at = ?, finished_at = ?, response_code = ? WHERE command_id = ? AND node_id = ?`
	hotDispatchSQL      = `UPDATE invocations SET phase = 1, dispatched_at = ?, status = CASE WHEN offline = 1 THEN 'Delayed' ELSE status END, status_details = CASE WHEN offline = 1 THEN 'Delayed' ELSE status_details END WHERE command_id = ? AND node_id IN (SELECT node_id FROM invocations WHERE command_id = ? AND phase = 0 ORDER BY seq LIMIT ?) RETURNING node_id, offline`
	hotSaveCommandSQL   = `UPDATE commands SET status = ?, status_details = ?, done = ?, cancel_requested = ?, stopped = ?, completed_count = ?, success_count = ?, failed_count = ?, exec_timed_out_count = ?, delivery_timed_out_count = ?, cancelled_count = ?, terminated_count = ?, non_counting_count = ?, acked_count = ?, inflight_count = ?, secure_refs = ? WHERE command_id = ?`
	hotInsertOutputSQL  = `INSERT INTO command_output (command_id, node_id, step, stream, off, data) VALUES (?, ?, ?, ?, ?, ?)`
	hotLastChunkSQL     = `SELECT off, length(data) FROM command_output WHERE command_id = ? AND node_id = ? AND step = ? AND stream = ? ORDER BY off DESC LIMIT 1`
	stepColumns         = `command_id, node_id, step_index, name, action, status, status_details, response_code, started_at, ended_at`
	eventColumns        = `event_id, event_time, account, region, source, detail_type, resources, detail`
)

func insertStepsSQL(n int) string {
	return `INSERT INTO invocation_steps (` + stepColumns + `) VALUES ` + rowsOf(10, n)
}

func insertEventsSQL(n int) string {
	return `INSERT INTO outbox (` + eventColumns + `) VALUES ` + rowsOf(8, n)
}

func rowsOf(cols, n int) string {
	row := "(" + marks(cols) + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

func hotQueries(db *DB) []string {
	return []string{hotLockCommandSQL(db), hotOutputLockSQL(db), hotInvocationSQL,
		hotUpdateInvocation, hotDispatchSQL, hotSaveCommandSQL, hotInsertOutputSQL, hotLastChunkSQL,
		insertStepsSQL(1), insertStepsSQL(2), insertEventsSQL(1), insertEventsSQL(2), insertEventsSQL(3)}
}

// warmHot prepares the hot statements once per database. It must not be
// called inside a transaction.
func (db *DB) warmHot(ctx context.Context) {
	const ready = hotPrefix + "ready"
	if _, ok := db.stmts.Load(ready); ok || db.dialect.Name != "sqlite" {
		return
	}
	var first any
	for _, q := range hotQueries(db) {
		st, err := db.write.PrepareContext(ctx, db.q(q))
		if err != nil {
			return // unprepared statements still work
		}
		v, loaded := db.stmts.LoadOrStore(hotPrefix+q, st)
		if loaded {
			st.Close()
		}
		if first == nil {
			first = v
		}
	}
	// The marker holds a statement too (DB.Close closes every entry; closing
	// one twice is harmless).
	db.stmts.Store(ready, first)
}

// hot returns the transaction's handle on a prepared hot statement, or nil.
func (t *Tx) hot(ctx context.Context, query string) *sql.Stmt {
	if v, ok := t.db.stmts.Load(hotPrefix + query); ok {
		if st, _ := v.(*sql.Stmt); st != nil {
			return t.tx.StmtContext(ctx, st)
		}
	}
	return nil
}

func (t *Tx) hotExec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.hot(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.Exec(ctx, query, args...)
}

func (t *Tx) hotQuery(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.hot(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.Query(ctx, query, args...)
}

func (t *Tx) hotQueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.hot(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.QueryRow(ctx, query, args...)
}

// GetCommand implements ssm.CommandStore.
func (db *DB) GetCommand(ctx context.Context, commandID string) (*ssm.CommandRecord, error) {
	var steps string
	c, err := scanCommand(db.QueryRow(ctx, `SELECT `+commandCols+`, c.steps FROM commands c WHERE c.command_id = ?`, commandID), &steps)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ssm.ErrCommandNotFound
	}
	if err != nil {
		return nil, err
	}
	c.Steps = []byte(steps)
	return c, nil
}

// GetInvocation implements ssm.CommandStore.
func (db *DB) GetInvocation(ctx context.Context, commandID, nodeID string) (*ssm.CommandRecord, *ssm.InvocationRecord, error) {
	var ir invocationRow
	c, err := scanCommand(db.QueryRow(ctx, `SELECT `+commandCols+`, `+invocationCols+`
		FROM invocations i JOIN commands c ON c.command_id = i.command_id
		WHERE i.command_id = ? AND i.node_id = ?`, commandID, nodeID), ir.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, ssm.ErrInvocationNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	return c, ir.record(), nil
}

// commandPos is the position encoded in ListCommands' NextToken.
type commandPos struct {
	At int64  `json:"t"`
	ID string `json:"c"`
}

// ListCommands implements ssm.CommandStore.
func (db *DB) ListCommands(ctx context.Context, q ssm.CommandQuery) ([]*ssm.CommandRecord, string, error) {
	var pos commandPos
	if q.Token != "" && (!DecodeToken(q.Token, &pos) || pos.ID == "") {
		return nil, "", ssm.ErrInvalidNextToken
	}
	where := []string{"1 = 1"}
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if q.CommandID != "" {
		add(`c.command_id = ?`, q.CommandID)
	}
	if q.NodeID != "" {
		add(`EXISTS (SELECT 1 FROM invocations i WHERE i.command_id = c.command_id AND i.node_id = ?)`, q.NodeID)
	}
	if !q.After.IsZero() {
		add(`c.requested_at >= ?`, Millis(q.After))
	}
	if !q.Before.IsZero() {
		add(`c.requested_at < ?`, Millis(q.Before))
	}
	if len(q.Statuses) > 0 {
		add(`c.status IN (`+marks(len(q.Statuses))+`)`, anys(q.Statuses)...)
	}
	if len(q.Details) > 0 {
		add(`c.status_details IN (`+marks(len(q.Details))+`)`, anys(q.Details)...)
	}
	if q.Done != nil {
		add(`c.done = ?`, Bool(*q.Done))
	}
	if q.DocumentName != "" {
		add(`c.document_name = ?`, q.DocumentName)
	}
	if q.Token != "" {
		add(`(c.requested_at < ? OR (c.requested_at = ? AND c.command_id < ?))`, pos.At, pos.At, pos.ID)
	}
	limit := max(q.Limit, 1)
	args = append(args, limit+1)
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+commandCols+` FROM commands c WHERE `+strings.Join(where, " AND ")+
		` ORDER BY c.requested_at DESC, c.command_id DESC LIMIT ?`), args...)
	if err != nil {
		return nil, "", err
	}
	out, err := scanRows(rows, func(r *sql.Rows) (*ssm.CommandRecord, error) { return scanCommand(r) })
	if err != nil {
		return nil, "", err
	}
	out, next := page(out, limit, func(last *ssm.CommandRecord) any {
		return commandPos{At: Millis(last.RequestedAt), ID: last.CommandID}
	})
	return out, next, nil
}

func anys(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// invocationPos is the position encoded in ListInvocations' NextToken.
type invocationPos struct {
	At   int64  `json:"t"`
	ID   string `json:"c"`
	Node string `json:"n"`
}

// ListInvocations implements ssm.CommandStore.
func (db *DB) ListInvocations(ctx context.Context, q ssm.InvocationQuery) ([]*ssm.InvocationRow, string, error) {
	var pos invocationPos
	if q.Token != "" && (!DecodeToken(q.Token, &pos) || pos.ID == "") {
		return nil, "", ssm.ErrInvalidNextToken
	}
	where := []string{"1 = 1"}
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if q.CommandID != "" {
		add(`i.command_id = ?`, q.CommandID)
	}
	if q.NodeID != "" {
		add(`i.node_id = ?`, q.NodeID)
	}
	if !q.After.IsZero() {
		add(`i.requested_at >= ?`, Millis(q.After))
	}
	if !q.Before.IsZero() {
		add(`i.requested_at < ?`, Millis(q.Before))
	}
	if len(q.Statuses) > 0 {
		add(`i.status IN (`+marks(len(q.Statuses))+`)`, anys(q.Statuses)...)
	}
	if len(q.Details) > 0 {
		add(`i.status_details IN (`+marks(len(q.Details))+`)`, anys(q.Details)...)
	}
	if q.DocumentName != "" {
		add(`c.document_name = ?`, q.DocumentName)
	}
	if q.Token != "" {
		add(`(i.requested_at < ? OR (i.requested_at = ? AND (i.command_id < ? OR (i.command_id = ? AND i.node_id > ?))))`,
			pos.At, pos.At, pos.ID, pos.ID, pos.Node)
	}
	limit := max(q.Limit, 1)
	args = append(args, limit+1)
	order := `i.requested_at DESC, i.command_id DESC, i.node_id`
	if q.CommandID != "" {
		order = `i.node_id` // the same order within one command, on the primary key
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+commandCols+`, `+invocationCols+`
		FROM invocations i JOIN commands c ON c.command_id = i.command_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY `+order+` LIMIT ?`), args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []*ssm.InvocationRow
	cmds := map[string]*ssm.CommandRecord{}
	for rows.Next() {
		var ir invocationRow
		c, err := scanCommand(rows, ir.dest()...)
		if err != nil {
			return nil, "", err
		}
		if shared, ok := cmds[c.CommandID]; ok {
			c = shared
		} else {
			cmds[c.CommandID] = c
		}
		out = append(out, &ssm.InvocationRow{Invocation: *ir.record(), Command: c})
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	out, next := page(out, limit, func(last *ssm.InvocationRow) any {
		return invocationPos{At: Millis(last.Invocation.RequestedAt), ID: last.Invocation.CommandID, Node: last.Invocation.NodeID}
	})
	return out, next, nil
}

// keysWhere is "(command_id = ? AND node_id = ?) OR …" for keys.
func keysWhere(keys []ssm.InvocationKey) (string, []any) {
	args := make([]any, 0, 2*len(keys))
	for _, k := range keys {
		args = append(args, k.CommandID, k.NodeID)
	}
	return "(" + repeatOr(len(keys), `(command_id = ? AND node_id = ?)`) + ")", args
}

// InvocationSteps implements ssm.CommandStore.
func (db *DB) InvocationSteps(ctx context.Context, keys []ssm.InvocationKey) (map[ssm.InvocationKey][]ssm.StepRecord, error) {
	out := map[ssm.InvocationKey][]ssm.StepRecord{}
	if len(keys) == 0 {
		return out, nil
	}
	const cols = `SELECT command_id, node_id, step_index, name, action, status, status_details, response_code, started_at, ended_at
		FROM invocation_steps WHERE `
	var rows *sql.Rows
	var err error
	if len(keys) == 1 {
		rows, err = db.Query(ctx, cols+`command_id = ? AND node_id = ? ORDER BY step_index`, keys[0].CommandID, keys[0].NodeID)
	} else {
		cond, args := keysWhere(keys)
		rows, err = db.read.QueryContext(ctx, db.q(cols+cond+` ORDER BY command_id, node_id, step_index`), args...)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k ssm.InvocationKey
		var s ssm.StepRecord
		var start, end int64
		if err := rows.Scan(&k.CommandID, &k.NodeID, &s.Index, &s.Name, &s.Action, &s.Status, &s.StatusDetails,
			&s.ResponseCode, &start, &end); err != nil {
			return nil, err
		}
		s.StartedAt, s.EndedAt = FromMillis(start), FromMillis(end)
		out[k] = append(out[k], s)
	}
	return out, rows.Err()
}

// OutputHeads implements ssm.CommandStore.
func (db *DB) OutputHeads(ctx context.Context, keys []ssm.InvocationKey, maxBytes int) (map[ssm.InvocationKey][]ssm.OutputChunk, error) {
	out := map[ssm.InvocationKey][]ssm.OutputChunk{}
	if len(keys) == 0 {
		return out, nil
	}
	cond, args := keysWhere(keys)
	args = append(args, maxBytes)
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT command_id, node_id, id, step, stream, off, data FROM command_output
		WHERE `+cond+` AND off < ? ORDER BY command_id, node_id, step, stream, off`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k ssm.InvocationKey
		var ch ssm.OutputChunk
		if err := rows.Scan(&k.CommandID, &k.NodeID, &ch.Seq, &ch.Step, &ch.Stream, &ch.Offset, &ch.Data); err != nil {
			return nil, err
		}
		out[k] = append(out[k], ch)
	}
	return out, rows.Err()
}

// ReadStream implements ssm.CommandStore.
func (db *DB) ReadStream(ctx context.Context, key ssm.InvocationKey, step, stream string, maxBytes int) ([]ssm.OutputChunk, error) {
	rows, err := db.Query(ctx, `SELECT id, off, data FROM command_output
		WHERE command_id = ? AND node_id = ? AND step = ? AND stream = ? ORDER BY off`, key.CommandID, key.NodeID, step, stream)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ssm.OutputChunk
	size := 0
	for size < maxBytes && rows.Next() {
		ch := ssm.OutputChunk{Step: step, Stream: stream}
		if err := rows.Scan(&ch.Seq, &ch.Offset, &ch.Data); err != nil {
			return nil, err
		}
		size += len(ch.Data)
		out = append(out, ch)
	}
	return out, rows.Err()
}

// ReadOutput implements ssm.CommandStore.
func (db *DB) ReadOutput(ctx context.Context, key ssm.InvocationKey, step string, after int64, maxBytes int) ([]ssm.OutputChunk, error) {
	var rows *sql.Rows
	var err error
	if step == "" {
		rows, err = db.Query(ctx, `SELECT id, step, stream, off, data FROM command_output
			WHERE command_id = ? AND node_id = ? AND id > ? ORDER BY id`, key.CommandID, key.NodeID, after)
	} else {
		rows, err = db.Query(ctx, `SELECT id, step, stream, off, data FROM command_output
			WHERE command_id = ? AND node_id = ? AND id > ? AND step = ? ORDER BY id`, key.CommandID, key.NodeID, after, step)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ssm.OutputChunk
	size := 0
	for size < maxBytes && rows.Next() {
		var ch ssm.OutputChunk
		if err := rows.Scan(&ch.Seq, &ch.Step, &ch.Stream, &ch.Offset, &ch.Data); err != nil {
			return nil, err
		}
		size += len(ch.Data)
		out = append(out, ch)
	}
	return out, rows.Err()
}

// AppendOutput implements ssm.CommandStore.
func (db *DB) AppendOutput(ctx context.Context, key ssm.InvocationKey, step, stream string, offset int64, data []byte) error {
	db.warmHot(ctx)
	return db.InTx(ctx, func(tx *Tx) error {
		var phase int
		err := tx.hotQueryRow(ctx, hotOutputLockSQL(db), key.CommandID, key.NodeID).Scan(&phase)
		if errors.Is(err, sql.ErrNoRows) {
			return ssm.ErrInvocationNotFound
		}
		if err != nil {
			return err
		}
		return appendOutput(ctx, tx, key, step, stream, offset, data)
	})
}

// appendOutput stores the bytes of [offset, offset+len(data)) of a stream
// that no chunk holds yet. The common case, appending at or after the end,
// costs one indexed lookup and one insert.
func appendOutput(ctx context.Context, tx *Tx, key ssm.InvocationKey, step, stream string, offset int64, data []byte) error {
	if len(data) == 0 {
		return nil
	}
	insert := func(off int64, b []byte) error {
		_, err := tx.hotExec(ctx, hotInsertOutputSQL, key.CommandID, key.NodeID, step, stream, off, b)
		return err
	}
	var lastOff, lastLen int64
	err := tx.hotQueryRow(ctx, hotLastChunkSQL, key.CommandID, key.NodeID, step, stream).Scan(&lastOff, &lastLen)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if offset >= lastOff+lastLen {
		return insert(offset, data)
	}
	end := offset + int64(len(data))
	rows, err := tx.Query(ctx, `SELECT off, length(data) FROM command_output
		WHERE command_id = ? AND node_id = ? AND step = ? AND stream = ? AND off < ? ORDER BY off`,
		key.CommandID, key.NodeID, step, stream, end)
	if err != nil {
		return err
	}
	type span struct{ start, end int64 }
	var have []span
	for rows.Next() {
		var s, n int64
		if err := rows.Scan(&s, &n); err != nil {
			rows.Close()
			return err
		}
		have = append(have, span{s, s + n})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	pos := offset
	for _, h := range have {
		if h.end <= pos {
			continue
		}
		if h.start > pos {
			if err := insert(pos, data[pos-offset:min(h.start, end)-offset]); err != nil {
				return err
			}
		}
		pos = max(pos, h.end)
		if pos >= end {
			return nil
		}
	}
	if pos < end {
		return insert(pos, data[pos-offset:])
	}
	return nil
}

// NodeWork implements ssm.CommandStore.
func (db *DB) NodeWork(ctx context.Context, nodeID string) ([]ssm.NodeWork, error) {
	rows, err := db.Query(ctx, `SELECT c.command_id, c.document_name, c.document_version, c.schema_version, c.steps,
		c.requested_at, c.deadline, c.output_s3_bucket, c.output_s3_prefix, i.phase
		FROM invocations i JOIN commands c ON c.command_id = i.command_id
		WHERE i.node_id = ? AND i.phase IN (1, 3, 4)`, nodeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ssm.NodeWork
	for rows.Next() {
		var c ssm.CommandRecord
		var steps string
		var requested, deadline int64
		var phase int
		if err := rows.Scan(&c.CommandID, &c.DocumentName, &c.DocumentVersion, &c.SchemaVersion, &steps, &requested, &deadline,
			&c.OutputS3Bucket, &c.OutputS3Prefix, &phase); err != nil {
			return nil, err
		}
		c.Steps, c.RequestedAt, c.Deadline = []byte(steps), FromMillis(requested), FromMillis(deadline)
		out = append(out, ssm.NodeWork{Command: &c, Phase: ssm.InvocationPhase(phase)})
	}
	// Sorted here rather than in SQL, so the query stays on the
	// (node_id, phase) index however many invocations the node has had.
	slices.SortFunc(out, func(a, b ssm.NodeWork) int {
		return cmp.Or(a.Command.RequestedAt.Compare(b.Command.RequestedAt), strings.Compare(a.Command.CommandID, b.Command.CommandID))
	})
	return out, rows.Err()
}

// NodeInvocations implements ssm.CommandStore.
func (db *DB) NodeInvocations(ctx context.Context, nodeID string, phases []ssm.InvocationPhase) ([]string, error) {
	args := []any{nodeID}
	for _, p := range phases {
		args = append(args, int(p))
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT command_id FROM invocations WHERE node_id = ? AND phase IN (`+
		marks(len(phases))+`) ORDER BY command_id`), args...)
	if err != nil {
		return nil, err
	}
	return scanStrings(rows)
}

func scanStrings(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// DueCommands implements ssm.CommandStore.
func (db *DB) DueCommands(ctx context.Context, now time.Time, limit int) ([]string, error) {
	rows, err := db.Query(ctx, `SELECT command_id FROM commands WHERE done = 0 AND (expires_at <= ? OR target_count = 0)
		ORDER BY expires_at, command_id LIMIT ?`, Millis(now), limit)
	if err != nil {
		return nil, err
	}
	return scanStrings(rows)
}

// PurgeCommands implements ssm.CommandStore.
func (db *DB) PurgeCommands(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	var n int
	err := db.InTx(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT command_id FROM commands WHERE done = 1 AND requested_at < ?
			ORDER BY requested_at LIMIT ?`, Millis(cutoff), limit)
		if err != nil {
			return err
		}
		ids, err := scanStrings(rows)
		if err != nil || len(ids) == 0 {
			n = 0
			return err
		}
		in := `command_id IN (` + marks(len(ids)) + `)`
		for _, table := range []string{"command_output", "invocation_steps", "invocations", "commands"} {
			if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE `+in, anys(ids)...); err != nil {
				return err
			}
		}
		n = len(ids)
		return nil
	})
	return n, err
}

// cmdTx implements ssm.CommandTx.
type cmdTx struct {
	tx  *Tx
	id  string
	cmd *ssm.CommandRecord
}

func (t *cmdTx) Command(ctx context.Context) (*ssm.CommandRecord, error) {
	if t.cmd != nil {
		c := *t.cmd
		return &c, nil
	}
	c, err := scanEngine(t.tx.hotQueryRow(ctx, hotLockCommandSQL(t.tx.db), t.id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ssm.ErrCommandNotFound
	}
	if err != nil {
		return nil, err
	}
	t.cmd = c
	cp := *c
	return &cp, nil
}

func (t *cmdTx) Invocation(ctx context.Context, nodeID string) (*ssm.InvocationRecord, error) {
	var r invocationRow
	err := t.tx.hotQueryRow(ctx, hotInvocationSQL, t.id, nodeID).Scan(r.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return r.record(), nil
}

func (t *cmdTx) UpdateInvocation(ctx context.Context, i *ssm.InvocationRecord) error {
	_, err := t.tx.hotExec(ctx, hotUpdateInvocation, int(i.Phase), i.Status, i.StatusDetails, Millis(i.DispatchedAt), Millis(i.AckedAt), Millis(i.FinishedAt),
		i.ResponseCode, t.id, i.NodeID)
	return err
}

func (t *cmdTx) Dispatch(ctx context.Context, n int, now time.Time) ([]ssm.DispatchedNode, error) {
	rows, err := t.tx.hotQuery(ctx, hotDispatchSQL, Millis(now), t.id, t.id, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ssm.DispatchedNode
	for rows.Next() {
		var d ssm.DispatchedNode
		var offline int
		if err := rows.Scan(&d.NodeID, &offline); err != nil {
			return nil, err
		}
		d.Offline = offline != 0
		out = append(out, d)
	}
	return out, rows.Err()
}

func (t *cmdTx) Transition(ctx context.Context, from []ssm.InvocationPhase, nodeIDs []string, to ssm.InvocationState) ([]string, error) {
	if nodeIDs != nil && len(nodeIDs) == 0 {
		return nil, nil
	}
	set := `phase = ?, status = ?, status_details = ?`
	args := []any{int(to.Phase), to.Status, to.StatusDetails}
	if !to.At.IsZero() {
		set += `, finished_at = ?`
		args = append(args, Millis(to.At))
	}
	args = append(args, t.id)
	for _, p := range from {
		args = append(args, int(p))
	}
	q := `UPDATE invocations SET ` + set + ` WHERE command_id = ? AND phase IN (` + marks(len(from)) + `)`
	if nodeIDs != nil {
		q += ` AND node_id IN (` + marks(len(nodeIDs)) + `)`
		args = append(args, anys(nodeIDs)...)
	}
	rows, err := t.tx.Query(ctx, q+` RETURNING node_id`, args...)
	if err != nil {
		return nil, err
	}
	return scanStrings(rows)
}

func (t *cmdTx) PutSteps(ctx context.Context, nodeID string, steps []ssm.StepRecord) error {
	if len(steps) == 0 {
		return nil
	}
	args := make([]any, 0, 10*len(steps))
	for _, s := range steps {
		args = append(args, t.id, nodeID, s.Index, s.Name, s.Action, s.Status, s.StatusDetails, s.ResponseCode,
			Millis(s.StartedAt), Millis(s.EndedAt))
	}
	_, err := t.tx.hotExec(ctx, insertStepsSQL(len(steps)), args...)
	return err
}

func (t *cmdTx) AppendOutput(ctx context.Context, nodeID, step, stream string, offset int64, data []byte) error {
	return appendOutput(ctx, t.tx, ssm.InvocationKey{CommandID: t.id, NodeID: nodeID}, step, stream, offset, data)
}

func (t *cmdTx) SaveCommand(ctx context.Context, c *ssm.CommandRecord) error {
	refs, err := jsonText(nonNil(c.SecureRefs))
	if err != nil {
		return err
	}
	k := c.Counters
	_, err = t.tx.hotExec(ctx, hotSaveCommandSQL,
		c.Status, c.StatusDetails, Bool(c.Done), Bool(c.CancelRequested), Bool(c.Stopped),
		k.Completed, k.Success, k.Failed, k.ExecTimedOut, k.DeliveryTimedOut,
		k.Cancelled, k.Terminated, k.NonCounting, k.Acked, k.InFlight, refs, t.id)
	if err == nil {
		cp := *c
		t.cmd = &cp
	}
	return err
}

func (t *cmdTx) NodeIDs(ctx context.Context) ([]string, error) {
	rows, err := t.tx.Query(ctx, `SELECT node_id FROM invocations WHERE command_id = ? ORDER BY node_id`, t.id)
	if err != nil {
		return nil, err
	}
	return scanStrings(rows)
}

func (t *cmdTx) AppendEvents(ctx context.Context, events []*steward.Event) error {
	return t.tx.AppendEvents(ctx, events)
}

// eventsPerInsert bounds the rows of one multi-row outbox INSERT.
const eventsPerInsert = 500

// AppendEvents writes events to the outbox inside tx with multi-row
// inserts, like AppendEvent for each.
func (t *Tx) AppendEvents(ctx context.Context, events []*steward.Event) error {
	for start := 0; start < len(events); start += eventsPerInsert {
		batch := events[start:min(start+eventsPerInsert, len(events))]
		args := make([]any, 0, 8*len(batch))
		for _, e := range batch {
			res, err := json.Marshal(e.Resources)
			if err != nil {
				return err
			}
			args = append(args, e.ID, Millis(e.Time), e.Account, e.Region, e.Source, e.DetailType, string(res), string(e.Detail))
		}
		if _, err := t.hotExec(ctx, insertEventsSQL(len(batch)), args...); err != nil {
			return err
		}
	}
	return nil
}
