package rpcv2cbor

import (
	"reflect"
	"testing"
	"time"

	"github.com/stewardhq/steward/protocol"
)

type walkerShape struct {
	S  string             `json:"S"`
	I  *int8              `json:"I"`
	U  uint32             `json:"U"`
	F  float32            `json:"F"`
	B  []byte             `json:"B"`
	T  *time.Time         `json:"T"`
	L  [][]string         `json:"L"`
	M  map[string]*walker `json:"M"`
	A  any                `json:"A"`
	Ok bool               `json:"Ok"`
}

type walker struct {
	Next *walker `json:"Next"`
	V    []int64 `json:"V"`
}

// FuzzWalker feeds the walker bytes that never passed the well-formedness
// check: it must stay within bounds on its own.
func FuzzWalker(f *testing.F) {
	f.Add([]byte{0xa1, 0x61, 'S', 0x61, 'x'})
	f.Add([]byte{0xbf, 0x61, 'M', 0xa1, 0x61, 'k', 0xa1, 0x64, 'N', 'e', 'x', 't', 0xa0, 0xff})
	f.Add([]byte{0xa1, 0x61, 'L', 0x9f, 0x9f, 0x7f, 0x61, 'a', 0xff, 0xff, 0xff})
	f.Add([]byte{0xa1, 0x61, 'T', 0xc1, 0xfb, 0x41, 0xda, 0x5c, 0x29, 0xc9, 0x07, 0xdf, 0x3b})
	c := New()
	s, err := protocol.ShapeOf(reflect.TypeFor[*walkerShape]())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v walkerShape
		d := decoder{data: data, doc: c.document}
		_ = d.value(s.Elem, reflect.ValueOf(&v).Elem())
	})
}
