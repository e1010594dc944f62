package ssmapi_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/stewardhq/steward/postgres/pgtest"
	"github.com/stewardhq/steward/server/servertest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestSecureStringOnPostgres runs the SecureString round trip against a server
// on PostgreSQL, with the SDK and Debian's CLI, then dumps the whole database
// with pg_dump: the plaintext must appear nowhere in it.
func TestSecureStringOnPostgres(t *testing.T) {
	url := pgtest.URL(t)
	srv := servertest.Start(t, servertest.WithDatabase(url))
	ctx := context.Background()
	client := ssm.NewFromConfig(srv.AWSConfig())
	const secret = "pg-Canary-Плейнтекст-平文-3c9f"
	if _, err := client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/pg/secret"), Type: types.ParameterTypeSecureString, Value: aws.String(secret)}); err != nil {
		t.Fatal(err)
	}
	got, err := client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/pg/secret"), WithDecryption: aws.Bool(true)})
	if err != nil || aws.ToString(got.Parameter.Value) != secret {
		t.Fatalf("GetParameter WithDecryption = %v, %v", got, err)
	}
	out, err := srv.CLI(t, servertest.CLIDebian, "ssm", "get-parameter", "--name", "/pg/secret", "--with-decryption", "--query", "Parameter.Value", "--output", "text")
	if err != nil || string(bytes.TrimSpace([]byte(out))) != secret {
		t.Fatalf("/usr/bin/aws get-parameter = %q, %v", out, err)
	}
	dump := pgtest.Dump(t, url)
	if !bytes.Contains(dump, []byte("parameter_versions")) {
		t.Fatalf("pg_dump does not look like our database (%d bytes)", len(dump))
	}
	if bytes.Contains(dump, []byte(secret)) || bytes.Contains(dump, []byte("pg-Canary")) {
		t.Fatal("plaintext found in pg_dump of the database")
	}
}
