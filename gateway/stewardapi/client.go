package stewardapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/protocol/awsjson"
)

// Client calls the Steward admin API, signing requests with SigV4 as
// aws-sdk-go-v2 does (the `steward` command line uses it).
type Client struct {
	Endpoint    string // e.g. http://127.0.0.1:4580
	Region      string
	Credentials aws.Credentials
	HTTP        *http.Client // nil: http.DefaultClient
}

// GetCommandOutput calls GetCommandOutput. An error answer is returned as a
// *steward.Error carrying the error code.
func (c *Client) GetCommandOutput(ctx context.Context, in GetCommandOutputInput) (*GetCommandOutputOutput, error) {
	var out GetCommandOutputOutput
	if err := c.call(ctx, "GetCommandOutput", in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *Client) call(ctx context.Context, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(c.Endpoint, "/")+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", TargetPrefix+"."+op)
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, c.Credentials, req, hex.EncodeToString(sum[:]), SigningName, c.Region, time.Now()); err != nil {
		return fmt.Errorf("sign request: %w", err)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(data, &e)
		code := e.Type
		if i := strings.LastIndexByte(code, '#'); i >= 0 {
			code = code[i+1:]
		}
		if code == "" {
			code = resp.Header.Get("X-Amzn-Errortype")
		}
		if code == "" {
			code = http.StatusText(resp.StatusCode)
		}
		return &steward.Error{Code: code, Message: e.Message, Status: resp.StatusCode}
	}
	return awsjson.Unmarshal(data, out) // timestamps are epoch seconds
}
