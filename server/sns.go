package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/mail"
	"github.com/stewardhq/steward/sns"
	"github.com/stewardhq/steward/sqlstore"
	"github.com/stewardhq/steward/sqs"
)

// SNS wiring: the service on the store, sealed signing key, deliveries to
// SQS through the SQS domain and email through the mailer, outbound HTTPS
// trusting the system roots plus Config.ExtraCAFile, links built on the
// public URL.

// newSNS builds SNS (not yet open).
func (s *Server) newSNS(sealer sns.Sealer) (*sns.Topics, error) {
	tlsCfg, err := outboundTLS(s.cfg.ExtraCAFile)
	if err != nil {
		return nil, err
	}
	return sns.New(sqlstore.NewSNSStore(s.db), sns.Options{
		Clock:     s.cfg.Clock,
		Account:   s.cfg.AccountID,
		Region:    s.cfg.Region,
		PublicURL: s.PublicURL,
		Sealer:    sealer,
		Queues:    snsQueues{s},
		Mailer:    snsMailer{s},
		TLSConfig: tlsCfg,
		Logger:    s.log,
		Exclusive: !isPostgres(s.cfg.Database),
	}), nil
}

// PublicURL is the externally reachable base URL of the server: the
// configured one, else the listen address (an unspecified host becomes
// 127.0.0.1).
func (s *Server) PublicURL() string {
	if s.cfg.PublicURL != "" {
		return strings.TrimRight(s.cfg.PublicURL, "/")
	}
	if s.ln == nil {
		return ""
	}
	host, port, err := net.SplitHostPort(s.ln.Addr().String())
	if err != nil {
		return s.URL()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// SNS returns the SNS service (tests and admin commands).
func (s *Server) SNS() *sns.Topics { return s.sns }

// outboundTLS is the TLS configuration of outbound HTTPS: the system roots
// plus the certificates of extraCAFile (PEM), when given.
func outboundTLS(extraCAFile string) (*tls.Config, error) {
	if extraCAFile == "" {
		return nil, nil
	}
	pemBytes, err := os.ReadFile(extraCAFile)
	if err != nil {
		return nil, fmt.Errorf("extra CA file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pemBytes) {
		return nil, fmt.Errorf("extra CA file %s holds no PEM certificate", extraCAFile)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// snsQueues delivers SNS messages to SQS queues.
type snsQueues struct{ s *Server }

func (a snsQueues) SendToQueue(ctx context.Context, queueARN string, m sns.QueueMessage) (string, error) {
	q := a.s.Queues()
	if q == nil {
		return "", errors.New("the SQS service is not running")
	}
	out := sqs.Outbound{Body: m.Body, GroupID: m.GroupID, DeduplicationID: m.DeduplicationID}
	if len(m.Attributes) > 0 {
		out.Attributes = make(map[string]sqs.MessageAttributeValue, len(m.Attributes))
		for _, a := range m.Attributes {
			out.Attributes[a.Name] = sqs.MessageAttributeValue{DataType: a.DataType, StringValue: a.StringValue, BinaryValue: a.BinaryValue}
		}
	}
	id, err := q.SendByARN(ctx, queueARN, out)
	if code := steward.ErrorCode(err); code != "" && code != steward.CodeInternalFailure {
		// A missing queue, or a message the queue refuses (size,
		// characters, FIFO rules): retrying sends the same thing.
		return "", sns.Permanent(err)
	}
	return id, err
}

// snsMailer sends SNS email through the server's mailer.
type snsMailer struct{ s *Server }

func (a snsMailer) Send(ctx context.Context, m mail.Message) error {
	mailer := a.s.Mailer()
	if mailer == nil {
		return errors.New("no mailer is configured")
	}
	return mailer.Send(ctx, m)
}
