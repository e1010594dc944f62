// Package server is Steward's composition root: it opens the database and the
// keyring, builds every domain service and operation table, and serves them
// on one HTTP port. Lifecycle: New → Open → Close.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/stewardhq/steward/agent"
	"github.com/stewardhq/steward/agentproto"
	"github.com/stewardhq/steward/cloudwatch"
	"github.com/stewardhq/steward/events"
	"github.com/stewardhq/steward/fleet"
	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/gateway/eventsapi"
	"github.com/stewardhq/steward/gateway/snsapi"
	"github.com/stewardhq/steward/gateway/ssmapi"
	"github.com/stewardhq/steward/gateway/stewardapi"
	"github.com/stewardhq/steward/gateway/stsapi"
	"github.com/stewardhq/steward/iam"
	"github.com/stewardhq/steward/keyring"
	"github.com/stewardhq/steward/logs"
	"github.com/stewardhq/steward/mail"
	"github.com/stewardhq/steward/postgres"
	"github.com/stewardhq/steward/sigv4"
	"github.com/stewardhq/steward/sns"
	"github.com/stewardhq/steward/sqlite"
	"github.com/stewardhq/steward/sqlstore"
	"github.com/stewardhq/steward/sqs"
	"github.com/stewardhq/steward/ssm"
)

// AdminUser is the user the first access key belongs to.
const AdminUser = "admin"

// Server is a running Steward.
type Server struct {
	cfg Config
	log *slog.Logger

	db    *sqlstore.DB
	keys  *iam.Keys
	admin *iam.AccessKey
	roles *iam.Roles

	hub      *fleet.Hub
	commands *ssm.Commands
	assocs   *ssm.Associations
	windows  *ssm.Windows
	mailer   mail.Sender
	queues   *sqs.Queues
	sns      *sns.Topics
	bridge   *events.Buses
	logs     *logs.Service
	metrics  *cloudwatch.Service

	stopMetrics func()
	health      *nodeHealth
	cluster     *cluster

	ln   net.Listener
	http *http.Server
	wg   sync.WaitGroup
}

// New checks cfg and returns an unopened server.
func New(cfg Config) (*Server, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Server{cfg: cfg, log: cfg.Logger}, nil
}

// Open opens the stores, ensures the admin key and starts serving. When it
// returns nil, GET /_steward/health answers 200.
func (s *Server) Open(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			s.closeStores()
		}
	}()
	if err := os.MkdirAll(s.cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	ring, err := keyring.LoadOrCreate(filepath.Join(s.cfg.DataDir, "keyring"), string(s.cfg.Keyring))
	if err != nil {
		return err
	}
	if s.db, err = openDB(ctx, s.cfg); err != nil {
		return err
	}
	s.keys = iam.NewKeys(s.db, ring, s.cfg.AccountID, s.cfg.Clock)
	if s.admin, err = s.ensureAdmin(ctx); err != nil {
		return err
	}

	if s.mailer, err = s.newMailer(); err != nil {
		return err
	}

	env := ssm.Env{Clock: s.cfg.Clock, Account: s.cfg.AccountID, Region: s.cfg.Region}
	params := ssm.NewParameters(s.db, ring, env)
	docs := ssm.NewDocuments(s.db, env)
	if err := docs.InstallBuiltins(ctx); err != nil {
		return err
	}
	// A deregistered node's undelivered invocations end Undeliverable.
	var cmds *ssm.Commands
	nodes := ssm.NewNodes(s.db, env, ssm.WithLatestAgentVersion(agent.Version),
		ssm.OnNodeDeregistered(func(ctx context.Context, id string) error { return cmds.NodeDeregistered(ctx, id) }))
	tags := ssm.NewTags(s.db, map[string]func(context.Context, string) error{
		"Parameter":       params.Exists,
		"Document":        docs.Exists,
		"ManagedInstance": nodes.Exists,
	})
	// Run Command and the agent channel need each other: the engine wakes the
	// hub's held polls, the hub calls the engine. wake breaks the cycle.
	wake := &wakeForwarder{}
	notifier := &commandNotifier{} // given SNS once it exists
	cmds = ssm.NewCommands(s.db, nodes, docs, params, wake, env, ssm.CommandOptions{Logger: s.log, Retention: s.cfg.CommandRetention, Publisher: notifier})
	s.commands = cmds
	s.hub = fleet.New(fleet.Options{Registry: nodes, Work: s.commands, Metrics: agentMetrics{s}, Clock: s.cfg.Clock, Logger: s.log})
	wake.hub.Store(s.hub)
	if isPostgres(s.cfg.Database) {
		if err := s.openCluster(ctx, wake); err != nil {
			return err
		}
	}
	if err := s.commands.Open(ctx); err != nil {
		return err
	}
	s.assocs = ssm.NewAssociations(sqlstore.NewAssociationsStore(s.db), nodes, docs, s.commands, env, ssm.AssociationOptions{Logger: s.log})
	nodes.UseAssociations(s.assocs)
	if err := s.assocs.Open(ctx); err != nil {
		return err
	}
	s.windows = ssm.NewWindows(sqlstore.NewWindowsStore(s.db), nodes, s.commands, env, ssm.WindowOptions{Logger: s.log})
	if err := s.windows.Open(ctx); err != nil {
		return err
	}
	if err := s.hub.Open(ctx); err != nil {
		return err
	}

	if err := s.openSQS(ctx); err != nil {
		return err
	}
	if s.sns, err = s.newSNS(ring); err != nil {
		return err
	}
	notifier.topics.Store(s.sns)
	s.logs = s.newLogs()
	s.openMetrics()
	s.openNodeHealth(nodes)
	if s.bridge, err = s.newEvents(ring); err != nil {
		return err
	}

	internal := http.NewServeMux()
	internal.Handle(sns.LinkPath, snsapi.Links(s.sns, s.log))
	internal.Handle(agentproto.PathPrefix, s.hub)
	internal.HandleFunc("GET /_steward/health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	gw, err := gateway.New(gateway.Config{
		Services: []*gateway.Service{
			ssmapi.Service(ssmapi.Deps{Parameters: params, Documents: docs, Tags: tags, Nodes: nodes, Commands: s.commands, Associations: s.assocs, Windows: s.windows}),
			stewardapi.Service(s.commands, s.mailbox()),
			stsapi.Service(),
			s.metricsService(),
			s.iamService(),
			snsapi.Service(s.sns),
			eventsapi.Service(s.bridge),
			s.sqsService(),
			s.logsService(),
		},
		Credentials: credentials{s.keys},
		Clock:       s.cfg.Clock,
		Logger:      s.log,
		Internal:    internal,
	})
	if err != nil {
		return err
	}

	s.ln, err = net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	// SNS delivers from now on: its links need the listen address.
	if err := s.sns.Open(ctx); err != nil {
		s.ln.Close()
		return err
	}
	if err := s.bridge.Open(ctx); err != nil {
		s.ln.Close()
		return err
	}
	s.http = &http.Server{
		Handler:           gw,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.http.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server stopped", "err", err)
		}
	}()
	s.log.Info("steward serving", "addr", s.ln.Addr().String(), "data", s.cfg.DataDir, "database", s.dbKind())
	return nil
}

// Close stops accepting requests, answers held agent polls, lets in-flight
// requests finish (until ctx ends), stops the background loops and closes the
// stores.
func (s *Server) Close(ctx context.Context) error {
	var err error
	if s.hub != nil {
		err = s.hub.Close(ctx)
	}
	if s.http != nil {
		s.closeEvents() // stops delivering before the services it delivers to close
		s.closeSQS()    // held long polls answer now rather than hold up shutdown
		err = errors.Join(err, s.http.Shutdown(ctx))
		s.wg.Wait()
	}
	return errors.Join(err, s.closeStores())
}

func (s *Server) closeStores() error {
	if s.hub != nil {
		_ = s.hub.Close(context.Background())
		s.hub = nil
	}
	s.closeCluster()
	s.closeEvents() // before what it delivers to
	s.closeNodeHealth()
	s.closeMetrics()
	if s.sns != nil {
		_ = s.sns.Close()
		s.sns = nil
	}
	s.closeSQS()
	if s.windows != nil {
		_ = s.windows.Close()
		s.windows = nil
	}
	if s.assocs != nil {
		_ = s.assocs.Close()
		s.assocs = nil
	}
	if s.commands != nil {
		_ = s.commands.Close()
		s.commands = nil
	}
	if s.db == nil {
		return nil
	}
	err := s.db.Close()
	s.db = nil
	return err
}

// URL is the server's endpoint, e.g. http://127.0.0.1:4580.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Admin returns the admin access key.
func (s *Server) Admin() *iam.AccessKey { return s.admin }

// CredentialsFile is the path of the shared-credentials file.
func (s *Server) CredentialsFile() string { return filepath.Join(s.cfg.DataDir, "credentials") }

// Config returns the effective configuration.
func (s *Server) Config() Config { return s.cfg }

// DB exposes the store (tests and admin commands).
func (s *Server) DB() *sqlstore.DB { return s.db }

func (s *Server) dbKind() string {
	if isPostgres(s.cfg.Database) {
		return "postgres"
	}
	return "sqlite"
}

func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

func openDB(ctx context.Context, cfg Config) (*sqlstore.DB, error) {
	if isPostgres(cfg.Database) {
		return postgres.Open(ctx, cfg.Database)
	}
	path := cfg.Database
	if path == "" {
		path = filepath.Join(cfg.DataDir, "steward.db")
	}
	return sqlite.Open(ctx, path)
}

// ensureAdmin returns the admin key: the one given by environment, else the
// stored one, else a new one; and writes the credentials file when missing.
func (s *Server) ensureAdmin(ctx context.Context) (*iam.AccessKey, error) {
	var k *iam.AccessKey
	var err error
	switch {
	case s.cfg.AccessKeyID != "":
		k, err = s.keys.Ensure(ctx, s.cfg.AccessKeyID, string(s.cfg.SecretAccessKey), AdminUser)
	default:
		k, err = s.keys.Any(ctx, AdminUser)
		if errors.Is(err, iam.ErrNoSuchKey) {
			k, err = s.keys.Create(ctx, AdminUser)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("admin access key: %w", err)
	}
	path := s.CredentialsFile()
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		ini := fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n", k.AccessKeyID, k.Secret)
		if err := os.WriteFile(path, []byte(ini), 0o600); err != nil {
			return nil, fmt.Errorf("credentials file: %w", err)
		}
	}
	return k, nil
}

// credentials adapts iam.Keys to the gateway.
type credentials struct{ keys *iam.Keys }

func (c credentials) Lookup(ctx context.Context, id string) (gateway.Principal, error) {
	k, err := c.keys.Lookup(ctx, id)
	if errors.Is(err, iam.ErrNoSuchKey) {
		return gateway.Principal{}, sigv4.ErrUnknownKey
	}
	if err != nil {
		return gateway.Principal{}, err
	}
	return gateway.Principal{Secret: k.Secret, Account: accountOf(k.ARN), ARN: k.ARN, UserID: k.UserID}, nil
}

func accountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 5 {
		return ""
	}
	return parts[4]
}
