// Package stewardapi is Steward's own admin API: operations AWS has no
// equivalent for, served by the gateway like the AWS services (awsJson1_1,
// X-Amz-Target "Steward.<Op>", SigV4 with signing name "steward").
//
// GetCommandOutput reads the full output of a command invocation, which the
// SSM API only shows truncated; with WaitSeconds it long-polls for new
// output, so `steward command output --follow` streams it live.
//
// ListMail and GetMail read the built-in mail catcher (mail.go).
package stewardapi

import (
	"context"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/protocol"
	"github.com/stewardhq/steward/ssm"
)

// Wire constants, shared with the CLI.
const (
	TargetPrefix = "Steward"
	SigningName  = "steward"
	// MaxWaitSeconds bounds GetCommandOutput's long poll.
	MaxWaitSeconds = 20
)

// GetCommandOutputInput asks for the output of an invocation that arrived
// after Offset (0: from the start; then the NextOffset of the previous
// answer). PluginName narrows it to one step; WaitSeconds (0–20) waits for
// new output when there is none yet.
type GetCommandOutputInput struct {
	CommandId   string `json:"CommandId"`
	InstanceId  string `json:"InstanceId"`
	PluginName  string `json:"PluginName,omitempty"`
	Offset      int64  `json:"Offset,omitempty"`
	WaitSeconds int    `json:"WaitSeconds,omitempty"`
}

// GetCommandOutputOutput is the next piece of output: what the steps wrote
// to stdout and stderr since Offset, the offset to ask from next, and Done
// once the invocation is finished and everything was read.
type GetCommandOutputOutput struct {
	Stdout        string   `json:"Stdout"`
	Stderr        string   `json:"Stderr"`
	NextOffset    int64    `json:"NextOffset"`
	Done          bool     `json:"Done"`
	Status        string   `json:"Status"`
	StatusDetails string   `json:"StatusDetails"`
	PluginNames   []string `json:"PluginNames"`
}

// Service returns the Steward operation table. mb is the mail catcher, nil
// when mail goes through an SMTP relay.
func Service(c *ssm.Commands, mb Mailbox) *gateway.Service {
	return &gateway.Service{
		Name:        "steward",
		SigningName: SigningName,
		Accepts:     gateway.JSON,
		Wire: protocol.Service{
			TargetPrefix:   TargetPrefix,
			JSONVersion:    "1.1",
			ShapeNamespace: "com.stewardhq.steward",
		},
		Ops: gateway.Ops(append(mailOps(mb),
			gateway.Handle("GetCommandOutput", func(ctx context.Context, in *GetCommandOutputInput) (*GetCommandOutputOutput, error) {
				if in.CommandId == "" || in.InstanceId == "" {
					return nil, steward.Validation("CommandId and InstanceId are required.")
				}
				if in.WaitSeconds < 0 || in.WaitSeconds > MaxWaitSeconds || in.Offset < 0 {
					return nil, steward.Validation("WaitSeconds must be 0 to %d and Offset must not be negative.", MaxWaitSeconds)
				}
				p, err := c.ReadOutput(ctx, in.CommandId, in.InstanceId, in.PluginName, in.Offset, time.Duration(in.WaitSeconds)*time.Second)
				if err != nil {
					return nil, err
				}
				steps := p.Steps
				if steps == nil {
					steps = []string{}
				}
				return &GetCommandOutputOutput{Stdout: p.Stdout, Stderr: p.Stderr, NextOffset: p.NextOffset, Done: p.Done,
					Status: p.Status, StatusDetails: p.StatusDetails, PluginNames: steps}, nil
			}),
		)...),
	}
}
