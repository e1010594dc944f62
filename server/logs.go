package server

import (
	"context"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/events"
	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/gateway/logsapi"
	"github.com/stewardhq/steward/logs"
	"github.com/stewardhq/steward/sqlstore"
)

// newLogs builds CloudWatch Logs on the database (nothing runs in the
// background yet: retention arrives with the Logs issue).
func (s *Server) newLogs() *logs.Service {
	return logs.New(sqlstore.NewLogsStore(s.db), logs.Env{Clock: s.cfg.Clock, Account: s.cfg.AccountID, Region: s.cfg.Region}, s.log)
}

// logsService is CloudWatch Logs' operation table.
func (s *Server) logsService() *gateway.Service { return logsapi.Service(s.logs) }

// Logs returns CloudWatch Logs (tests, and the services writing to log
// groups).
func (s *Server) Logs() *logs.Service { return s.logs }

// eventsLogs writes EventBridge log-group targets' events.
type eventsLogs struct{ s *Server }

func (a eventsLogs) WriteLog(ctx context.Context, group, stream string, at time.Time, message string) error {
	l := a.s.Logs()
	if l == nil {
		return events.Transient(events.ErrInternal, "The CloudWatch Logs service is not running.")
	}
	err := l.Deliver(ctx, group, stream, []logs.InputEvent{{Timestamp: at.UnixMilli(), Message: message}})
	if steward.ErrorCode(err) == logs.CodeResourceNotFound {
		return &events.TargetError{Code: events.ErrNoResource, Message: "The log group " + group + " does not exist.", Permanent: true, Cause: err}
	}
	return permanentUnless(err, events.ErrInvalidParameter)
}
