package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/iam"
	"github.com/stewardhq/steward/sqlstore"
)

func testAccessKeys(t *testing.T, newDB NewDB) {
	db := newDB(t)
	ctx := context.Background()
	if _, err := db.GetAccessKey(ctx, "AKIANOPE"); !errors.Is(err, iam.ErrNoSuchKey) {
		t.Fatalf("GetAccessKey(missing) = %v, want ErrNoSuchKey", err)
	}
	k := &iam.SealedKey{AccessKey: iam.AccessKey{AccessKeyID: "AKIA1", UserName: "admin", UserID: "AIDA1",
		ARN: "arn:aws:iam::000000000000:user/admin", Status: "Active", CreatedAt: time.UnixMilli(1700000000123).UTC()},
		SecretSealed: []byte{0, 1, 2, 255}}
	if err := db.PutAccessKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetAccessKey(ctx, "AKIA1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(k, got); diff != "" {
		t.Fatalf("round trip (-want +got):\n%s", diff)
	}
	k.Status = "Inactive"
	if err := db.PutAccessKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	all, err := db.ListAccessKeys(ctx)
	if err != nil || len(all) != 1 || all[0].Status != "Inactive" {
		t.Fatalf("ListAccessKeys = %v, %v", all, err)
	}
}

func testOutbox(t *testing.T, newDB NewDB) {
	db := newDB(t)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		err := db.InTx(ctx, func(tx *sqlstore.Tx) error {
			return tx.AppendEvent(ctx, &steward.Event{ID: "e" + string(rune('0'+i)), Time: time.UnixMilli(1700000000000).UTC(),
				Source: "aws.ssm", DetailType: "Parameter Store Change", Account: "000000000000", Region: "us-east-1",
				Resources: []string{"arn:x"}, Detail: json.RawMessage(`{"name":"/a"}`)})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// A rolled-back transaction leaves nothing behind.
	boom := errors.New("boom")
	err := db.InTx(ctx, func(tx *sqlstore.Tx) error {
		if err := tx.AppendEvent(ctx, &steward.Event{ID: "rolled-back", Detail: json.RawMessage(`{}`)}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx = %v", err)
	}
	got, err := db.ReadOutbox(ctx, 0, 10)
	if err != nil || len(got) != 3 {
		t.Fatalf("ReadOutbox = %d entries, %v", len(got), err)
	}
	if got[0].Event.ID != "e0" || got[2].Event.ID != "e2" || string(got[1].Event.Detail) != `{"name":"/a"}` || got[1].Event.Resources[0] != "arn:x" {
		t.Fatalf("ReadOutbox = %+v", got)
	}
	rest, err := db.ReadOutbox(ctx, got[1].Seq, 10)
	if err != nil || len(rest) != 1 || rest[0].Event.ID != "e2" {
		t.Fatalf("ReadOutbox(after) = %+v, %v", rest, err)
	}
}
