package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/stewardhq/steward/agent"
	"github.com/stewardhq/steward/server"
)

// devAgent registers (once) and runs a steward agent in-process, so that
// `steward dev` is a managed node of itself and `aws ssm send-command` works
// at once. Its state lives in <data>/agent.
type devAgent struct {
	nodeID string
	done   chan error
}

func startDevAgent(ctx context.Context, s *server.Server, log *slog.Logger) (*devAgent, error) {
	dir := filepath.Join(s.Config().DataDir, "agent")
	id, err := agent.LoadIdentity(dir)
	if errors.Is(err, agent.ErrNotRegistered) {
		id, err = registerDevAgent(ctx, s, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("local agent: %w", err)
	}
	// The server may listen on another port than when the agent registered.
	id.ServerURL = s.URL()
	a, err := agent.New(agent.Config{StateDir: dir, Identity: id, Logger: log.With("component", "agent")})
	if err != nil {
		return nil, fmt.Errorf("local agent: %w", err)
	}
	d := &devAgent{nodeID: id.NodeID, done: make(chan error, 1)}
	go func() { d.done <- a.Run(ctx) }()
	return d, nil
}

func registerDevAgent(ctx context.Context, s *server.Server, dir string) (*agent.Identity, error) {
	admin := s.Admin()
	client := ssm.NewFromConfig(aws.Config{
		Region:       s.Config().Region,
		Credentials:  credentials.NewStaticCredentialsProvider(admin.AccessKeyID, admin.Secret, ""),
		BaseEndpoint: aws.String(s.URL()),
	})
	host, _ := os.Hostname()
	act, err := client.CreateActivation(ctx, &ssm.CreateActivationInput{
		IamRole:             aws.String("steward-dev"),
		DefaultInstanceName: aws.String(host),
		Description:         aws.String("steward dev: the local agent"),
		RegistrationLimit:   aws.Int32(1),
	})
	if err != nil {
		return nil, err
	}
	id, err := agent.Register(ctx, agent.RegisterConfig{ServerURL: s.URL(), ActivationID: aws.ToString(act.ActivationId), ActivationCode: aws.ToString(act.ActivationCode)})
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return id, id.Save(dir)
}

// wait returns the agent's exit error after its context ended.
func (d *devAgent) wait() error { return <-d.done }
