package eventsapi

import (
	"context"
	"time"

	"github.com/stewardhq/steward/events"
	"github.com/stewardhq/steward/gateway"
)

// connectionOps are CreateConnection, DescribeConnection, ListConnections,
// UpdateConnection, DeauthorizeConnection and DeleteConnection.
func connectionOps(b *events.Buses) []gateway.Op {
	return []gateway.Op{
		gateway.Handle("CreateConnection", func(ctx context.Context, in *createConnectionInput) (*createConnectionOutput, error) {
			c, err := b.CreateConnection(ctx, events.ConnectionInput{Name: in.Name, Description: in.Description,
				AuthType: in.AuthorizationType, Auth: in.AuthParameters.domain()})
			if err != nil {
				return nil, err
			}
			return &createConnectionOutput{ConnectionArn: c.ARN, ConnectionState: c.State, CreationTime: c.CreatedAt, LastModifiedTime: c.ModifiedAt}, nil
		}),
		gateway.Handle("DescribeConnection", func(ctx context.Context, in *connectionNameInput) (*describeConnectionOutput, error) {
			c, err := b.DescribeConnection(ctx, in.Name)
			if err != nil {
				return nil, err
			}
			return &describeConnectionOutput{ConnectionArn: c.ARN, Name: c.Name, Description: strOut(c.Description),
				ConnectionState: c.State, AuthorizationType: c.AuthType, SecretArn: c.SecretARN,
				AuthParameters: authOut(&c.Auth), CreationTime: c.CreatedAt, LastModifiedTime: c.ModifiedAt,
				LastAuthorizedTime: timeOut(c.AuthorizedAt)}, nil
		}),
		gateway.Handle("ListConnections", func(ctx context.Context, in *listConnectionsInput) (*listConnectionsOutput, error) {
			cs, next, err := b.ListConnections(ctx, in.NamePrefix, in.ConnectionState, in.NextToken, intIn(in.Limit))
			if err != nil {
				return nil, err
			}
			out := &listConnectionsOutput{Connections: make([]connectionWire, len(cs)), NextToken: tokenOut(next)}
			for i, c := range cs {
				out.Connections[i] = connectionWire{ConnectionArn: c.ARN, Name: c.Name, ConnectionState: c.State,
					AuthorizationType: c.AuthType, CreationTime: c.CreatedAt, LastModifiedTime: c.ModifiedAt,
					LastAuthorizedTime: timeOut(c.AuthorizedAt)}
			}
			return out, nil
		}),
		gateway.Handle("UpdateConnection", func(ctx context.Context, in *updateConnectionInput) (*connectionStateOutput, error) {
			c, err := b.UpdateConnection(ctx, events.ConnectionInput{Name: in.Name, Description: in.Description,
				AuthType: deref(in.AuthorizationType), Auth: in.AuthParameters.domain()})
			if err != nil {
				return nil, err
			}
			return connectionStateOut(c), nil
		}),
		gateway.Handle("DeauthorizeConnection", func(ctx context.Context, in *connectionNameInput) (*connectionStateOutput, error) {
			c, err := b.DeauthorizeConnection(ctx, in.Name)
			if err != nil {
				return nil, err
			}
			return connectionStateOut(c), nil
		}),
		gateway.Handle("DeleteConnection", func(ctx context.Context, in *connectionNameInput) (*connectionStateOutput, error) {
			c, err := b.DeleteConnection(ctx, in.Name)
			if err != nil {
				return nil, err
			}
			return connectionStateOut(c), nil
		}),
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func timeOut(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func connectionStateOut(c *events.Connection) *connectionStateOutput {
	return &connectionStateOutput{ConnectionArn: c.ARN, ConnectionState: c.State, CreationTime: c.CreatedAt,
		LastModifiedTime: c.ModifiedAt, LastAuthorizedTime: timeOut(c.AuthorizedAt)}
}

type connectionNameInput struct {
	Name string `json:"Name"`
}

type createConnectionInput struct {
	Name              string            `json:"Name"`
	Description       *string           `json:"Description"`
	AuthorizationType string            `json:"AuthorizationType"`
	AuthParameters    *authRequestWire  `json:"AuthParameters"`
	KmsKeyIdentifier  *string           `json:"KmsKeyIdentifier"`
	Connectivity      *connectivityWire `json:"InvocationConnectivityParameters"`
}

type updateConnectionInput struct {
	Name              string            `json:"Name"`
	Description       *string           `json:"Description"`
	AuthorizationType *string           `json:"AuthorizationType"`
	AuthParameters    *authRequestWire  `json:"AuthParameters"`
	KmsKeyIdentifier  *string           `json:"KmsKeyIdentifier"`
	Connectivity      *connectivityWire `json:"InvocationConnectivityParameters"`
}

// connectivityWire is accepted and ignored: Steward has no VPC lattice
// resources (private APIs are reached directly).
type connectivityWire struct {
	ResourceParameters *struct {
		ResourceConfigurationArn string `json:"ResourceConfigurationArn"`
	} `json:"ResourceParameters"`
}

type authRequestWire struct {
	BasicAuthParameters *struct {
		Username *string `json:"Username"`
		Password *string `json:"Password"`
	} `json:"BasicAuthParameters"`
	OAuthParameters *struct {
		ClientParameters *struct {
			ClientID     *string `json:"ClientID"`
			ClientSecret *string `json:"ClientSecret"`
		} `json:"ClientParameters"`
		AuthorizationEndpoint *string         `json:"AuthorizationEndpoint"`
		HttpMethod            *string         `json:"HttpMethod"`
		OAuthHttpParameters   *httpParamsWire `json:"OAuthHttpParameters"`
	} `json:"OAuthParameters"`
	ApiKeyAuthParameters *struct {
		ApiKeyName  *string `json:"ApiKeyName"`
		ApiKeyValue *string `json:"ApiKeyValue"`
	} `json:"ApiKeyAuthParameters"`
	InvocationHttpParameters *httpParamsWire   `json:"InvocationHttpParameters"`
	ConnectivityParameters   *connectivityWire `json:"ConnectivityParameters"`
}

type httpParamWire struct {
	Key           *string `json:"Key,omitempty"`
	Value         *string `json:"Value,omitempty"`
	IsValueSecret *bool   `json:"IsValueSecret,omitempty"`
}

type httpParamsWire struct {
	HeaderParameters      []httpParamWire `json:"HeaderParameters,omitempty"`
	QueryStringParameters []httpParamWire `json:"QueryStringParameters,omitempty"`
	BodyParameters        []httpParamWire `json:"BodyParameters,omitempty"`
}

func (a *authRequestWire) domain() *events.ConnectionAuth {
	if a == nil {
		return nil
	}
	out := &events.ConnectionAuth{Invocation: a.InvocationHttpParameters.domain()}
	if p := a.BasicAuthParameters; p != nil {
		out.Username, out.Password = deref(p.Username), deref(p.Password)
	}
	if p := a.ApiKeyAuthParameters; p != nil {
		out.APIKeyName, out.APIKeyValue = deref(p.ApiKeyName), deref(p.ApiKeyValue)
	}
	if p := a.OAuthParameters; p != nil {
		o := &events.OAuthAuth{Endpoint: deref(p.AuthorizationEndpoint), Method: deref(p.HttpMethod), HTTP: p.OAuthHttpParameters.domain()}
		if c := p.ClientParameters; c != nil {
			o.ClientID, o.ClientSecret = deref(c.ClientID), deref(c.ClientSecret)
		}
		out.OAuth = o
	}
	return out
}

func (p *httpParamsWire) domain() *events.HTTPParameters {
	if p == nil {
		return nil
	}
	conv := func(in []httpParamWire) []events.HTTPParameter {
		var out []events.HTTPParameter
		for _, h := range in {
			out = append(out, events.HTTPParameter{Key: deref(h.Key), Value: deref(h.Value), Secret: h.IsValueSecret != nil && *h.IsValueSecret})
		}
		return out
	}
	return &events.HTTPParameters{Headers: conv(p.HeaderParameters), Query: conv(p.QueryStringParameters), Body: conv(p.BodyParameters)}
}

func httpParamsOut(p *events.HTTPParameters) *httpParamsWire {
	if p == nil {
		return nil
	}
	conv := func(in []events.HTTPParameter) []httpParamWire {
		var out []httpParamWire
		for _, h := range in {
			key, secret := h.Key, h.Secret
			w := httpParamWire{Key: &key, IsValueSecret: &secret}
			if !h.Secret {
				v := h.Value
				w.Value = &v
			}
			out = append(out, w)
		}
		return out
	}
	return &httpParamsWire{HeaderParameters: conv(p.Headers), QueryStringParameters: conv(p.Query), BodyParameters: conv(p.Body)}
}

type authResponseWire struct {
	BasicAuthParameters *struct {
		Username *string `json:"Username,omitempty"`
	} `json:"BasicAuthParameters,omitempty"`
	OAuthParameters      *oauthResponseWire `json:"OAuthParameters,omitempty"`
	ApiKeyAuthParameters *struct {
		ApiKeyName *string `json:"ApiKeyName,omitempty"`
	} `json:"ApiKeyAuthParameters,omitempty"`
	InvocationHttpParameters *httpParamsWire `json:"InvocationHttpParameters,omitempty"`
}

type oauthResponseWire struct {
	ClientParameters *struct {
		ClientID *string `json:"ClientID,omitempty"`
	} `json:"ClientParameters,omitempty"`
	AuthorizationEndpoint *string         `json:"AuthorizationEndpoint,omitempty"`
	HttpMethod            *string         `json:"HttpMethod,omitempty"`
	OAuthHttpParameters   *httpParamsWire `json:"OAuthHttpParameters,omitempty"`
}

// authOut is the non-secret AuthParameters of DescribeConnection.
func authOut(a *events.ConnectionAuth) *authResponseWire {
	out := &authResponseWire{InvocationHttpParameters: httpParamsOut(a.Invocation)}
	if a.Username != "" {
		out.BasicAuthParameters = &struct {
			Username *string `json:"Username,omitempty"`
		}{Username: strOut(a.Username)}
	}
	if a.APIKeyName != "" {
		out.ApiKeyAuthParameters = &struct {
			ApiKeyName *string `json:"ApiKeyName,omitempty"`
		}{ApiKeyName: strOut(a.APIKeyName)}
	}
	if o := a.OAuth; o != nil {
		out.OAuthParameters = &oauthResponseWire{AuthorizationEndpoint: strOut(o.Endpoint), HttpMethod: strOut(o.Method),
			OAuthHttpParameters: httpParamsOut(o.HTTP)}
		out.OAuthParameters.ClientParameters = &struct {
			ClientID *string `json:"ClientID,omitempty"`
		}{ClientID: strOut(o.ClientID)}
	}
	return out
}

type createConnectionOutput struct {
	ConnectionArn    string    `json:"ConnectionArn"`
	ConnectionState  string    `json:"ConnectionState"`
	CreationTime     time.Time `json:"CreationTime"`
	LastModifiedTime time.Time `json:"LastModifiedTime"`
}

type connectionStateOutput struct {
	ConnectionArn      string     `json:"ConnectionArn"`
	ConnectionState    string     `json:"ConnectionState"`
	CreationTime       time.Time  `json:"CreationTime"`
	LastModifiedTime   time.Time  `json:"LastModifiedTime"`
	LastAuthorizedTime *time.Time `json:"LastAuthorizedTime,omitempty"`
}

type describeConnectionOutput struct {
	ConnectionArn      string            `json:"ConnectionArn"`
	Name               string            `json:"Name"`
	Description        *string           `json:"Description,omitempty"`
	ConnectionState    string            `json:"ConnectionState"`
	AuthorizationType  string            `json:"AuthorizationType"`
	SecretArn          string            `json:"SecretArn"`
	AuthParameters     *authResponseWire `json:"AuthParameters,omitempty"`
	CreationTime       time.Time         `json:"CreationTime"`
	LastModifiedTime   time.Time         `json:"LastModifiedTime"`
	LastAuthorizedTime *time.Time        `json:"LastAuthorizedTime,omitempty"`
}

type listConnectionsInput struct {
	NamePrefix      *string `json:"NamePrefix"`
	ConnectionState *string `json:"ConnectionState"`
	NextToken       *string `json:"NextToken"`
	Limit           *int32  `json:"Limit"`
}

type connectionWire struct {
	ConnectionArn      string     `json:"ConnectionArn"`
	Name               string     `json:"Name"`
	ConnectionState    string     `json:"ConnectionState"`
	AuthorizationType  string     `json:"AuthorizationType"`
	CreationTime       time.Time  `json:"CreationTime"`
	LastModifiedTime   time.Time  `json:"LastModifiedTime"`
	LastAuthorizedTime *time.Time `json:"LastAuthorizedTime,omitempty"`
}

type listConnectionsOutput struct {
	Connections []connectionWire `json:"Connections"`
	NextToken   *string          `json:"NextToken,omitempty"`
}
