package awsquery

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/protocol"
)

// pair is one form pair. key is what is left of the key below the shape
// being filled; full is the whole key, for error messages.
type pair struct {
	key, full, val string
}

// Unmarshal reads the x-www-form-urlencoded pairs of form into v, a non-nil
// pointer to a wire-shape struct (see the package comment for the key
// forms). Action, Version and X-Amz-* pairs are skipped, as are keys that
// match no member. Bad input returns a *protocol.DecodeError.
func Unmarshal(form string, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("awsquery: Unmarshal needs a non-nil pointer, got %T", v)
	}
	s, err := protocol.ShapeOf(rv.Type())
	if err != nil {
		return err
	}
	pairs, derr := parseForm(form)
	if derr != nil {
		return derr
	}
	if len(pairs) == 0 {
		return nil
	}
	var d decoder
	if derr := d.member(&itemNames, s, rv, pairs); derr != nil {
		return derr
	}
	return nil
}

// parseForm splits form into pairs, unescaping keys and values.
func parseForm(form string) ([]pair, *protocol.DecodeError) {
	pairs := make([]pair, 0, strings.Count(form, "&")+1)
	for form != "" {
		var kv string
		kv, form, _ = strings.Cut(form, "&")
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		k, ok := unescape(k)
		if !ok {
			return nil, &protocol.DecodeError{Msg: "malformed form encoding in a key"}
		}
		if v, ok = unescape(v); !ok {
			return nil, &protocol.DecodeError{Path: k, Msg: "malformed form encoding"}
		}
		if k == "Action" || k == "Version" || len(k) > 6 && strings.EqualFold(k[:6], "X-Amz-") {
			continue
		}
		pairs = append(pairs, pair{key: k, full: k, val: v})
	}
	return pairs, nil
}

func unescape(s string) (string, bool) {
	if !strings.ContainsAny(s, "%+") {
		return s, true
	}
	u, err := url.QueryUnescape(s)
	return u, err == nil
}

type decoder struct {
	scratch []pair // the pairs of the members being read, stacked
}

// below returns the pairs whose key is name or starts with name + ".", with
// that prefix cut off. The result lives in d.scratch until release(mark).
func (d *decoder) below(pairs []pair, name string) (sub []pair, mark int) {
	mark = len(d.scratch)
	for _, p := range pairs {
		if rest, ok := cutSegment(p.key, name); ok {
			d.scratch = append(d.scratch, pair{key: rest, full: p.full, val: p.val})
		}
	}
	return d.scratch[mark:len(d.scratch):len(d.scratch)], mark
}

func (d *decoder) release(mark int) { d.scratch = d.scratch[:mark] }

// cutSegment reports whether key is name or begins with name + ".", and
// returns what follows.
func cutSegment(key, name string) (string, bool) {
	if !strings.HasPrefix(key, name) {
		return "", false
	}
	if len(key) == len(name) {
		return "", true
	}
	if key[len(name)] != '.' {
		return "", false
	}
	return key[len(name)+1:], true
}

// direct returns the last pair addressing the value itself (empty key).
func direct(pairs []pair) (pair, bool) {
	for i := len(pairs) - 1; i >= 0; i-- {
		if pairs[i].key == "" {
			return pairs[i], true
		}
	}
	return pair{}, false
}

// member fills v, of plan s, from pairs keyed below it; f names the items
// and entries when v is a list or map.
func (d *decoder) member(f *protocol.Field, s *protocol.Shape, v reflect.Value, pairs []pair) *protocol.DecodeError {
	t := s
	for t.Kind == protocol.KindPtr {
		t = t.Elem
	}
	if scalar(t.Kind) {
		p, ok := direct(pairs)
		if !ok {
			return nil // only sub-keys, which a scalar does not have
		}
		for ; s.Kind == protocol.KindPtr; s = s.Elem {
			if v.IsNil() {
				v.Set(reflect.New(s.Elem.Type))
			}
			v = v.Elem()
		}
		return setScalar(s, v, p)
	}
	for ; s.Kind == protocol.KindPtr; s = s.Elem {
		if v.IsNil() {
			v.Set(reflect.New(s.Elem.Type))
		}
		v = v.Elem()
	}
	switch s.Kind {
	case protocol.KindStruct:
		return d.structure(s, v, pairs)
	case protocol.KindList:
		return d.list(f, s, v, pairs)
	case protocol.KindMap:
		return d.mapping(f, s, v, pairs)
	}
	return nil
}

func scalar(k protocol.Kind) bool {
	switch k {
	case protocol.KindStruct, protocol.KindList, protocol.KindMap:
		return false
	}
	return true
}

func (d *decoder) structure(s *protocol.Shape, v reflect.Value, pairs []pair) *protocol.DecodeError {
	for i := range s.Fields {
		f := &s.Fields[i]
		if f.NoQuery {
			continue
		}
		sub, mark := d.below(pairs, f.QueryName)
		if len(sub) > 0 {
			if err := d.member(f, f.Shape, f.Of(v), sub); err != nil {
				return err
			}
		}
		d.release(mark)
	}
	return nil
}

// item is the pairs of list item or map entry number n.
type item struct {
	n int
	p pair
}

// numbered splits pairs keyed "N" or "N.rest" by N, in order of N; gaps in
// the numbering are closed up. A bare key (Names=) is skipped: it only says
// the list or map is there, and empty.
func numbered(pairs []pair) ([]item, *protocol.DecodeError) {
	items := make([]item, 0, len(pairs))
	for _, p := range pairs {
		if p.key == "" {
			continue
		}
		num, rest, _ := strings.Cut(p.key, ".")
		n, err := strconv.Atoi(num)
		if err != nil || n < 1 || num[0] == '+' {
			return nil, &protocol.DecodeError{Path: p.full, Msg: "invalid item number " + strconv.Quote(num)}
		}
		p.key = rest
		items = append(items, item{n: n, p: p})
	}
	slices.SortStableFunc(items, func(a, b item) int { return a.n - b.n })
	return items, nil
}

// groups calls fn with the pairs of each item number in turn.
func (d *decoder) groups(items []item, fn func(pairs []pair) *protocol.DecodeError) *protocol.DecodeError {
	for i := 0; i < len(items); {
		j := i
		mark := len(d.scratch)
		for ; j < len(items) && items[j].n == items[i].n; j++ {
			d.scratch = append(d.scratch, items[j].p)
		}
		err := fn(d.scratch[mark:len(d.scratch):len(d.scratch)])
		d.release(mark)
		if err != nil {
			return err
		}
		i = j
	}
	return nil
}

// list reads Name.member.N… (or Name.N… when flattened) into the slice v,
// which is left non-nil (empty) when the list is sent bare (Names=).
func (d *decoder) list(f *protocol.Field, s *protocol.Shape, v reflect.Value, pairs []pair) *protocol.DecodeError {
	if !f.Flat {
		sub, mark := d.below(pairs, f.Member)
		defer d.release(mark)
		pairs = sub
	}
	items, err := numbered(pairs)
	if err != nil {
		return err
	}
	if v.IsNil() {
		v.Set(reflect.MakeSlice(s.Type, 0, 0))
	}
	return d.groups(items, func(sub []pair) *protocol.DecodeError {
		n := v.Len()
		if n == v.Cap() {
			v.Grow(1)
		}
		v.SetLen(n + 1)
		return d.member(&itemNames, s.Elem, v.Index(n), sub)
	})
}

// mapping reads Name.entry.N.key / Name.entry.N.value… (Name.N.key… when
// flattened, key and value renamed per tag) into the map v.
func (d *decoder) mapping(f *protocol.Field, s *protocol.Shape, v reflect.Value, pairs []pair) *protocol.DecodeError {
	if !f.Flat {
		sub, mark := d.below(pairs, "entry")
		defer d.release(mark)
		pairs = sub
	}
	items, err := numbered(pairs)
	if err != nil {
		return err
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(s.Type))
	}
	key := reflect.New(s.Type.Key()).Elem()
	elem := reflect.New(s.Elem.Type).Elem()
	return d.groups(items, func(entry []pair) *protocol.DecodeError {
		k, mark := d.below(entry, f.Key)
		kp, ok := direct(k)
		d.release(mark)
		if !ok {
			return nil // an entry without a key cannot be stored
		}
		val, mark := d.below(entry, f.Value)
		defer d.release(mark)
		elem.SetZero()
		if err := d.member(&itemNames, s.Elem, elem, val); err != nil {
			return err
		}
		key.SetString(kp.val)
		v.SetMapIndex(key, elem)
		return nil
	})
}

// setScalar parses the value of p into v.
func setScalar(s *protocol.Shape, v reflect.Value, p pair) *protocol.DecodeError {
	bad := func(what string) *protocol.DecodeError {
		return &protocol.DecodeError{Path: p.full, Msg: "invalid " + what + " " + strconv.Quote(p.val)}
	}
	switch s.Kind {
	case protocol.KindString:
		v.SetString(p.val)
	case protocol.KindBool:
		switch {
		case strings.EqualFold(p.val, "true"):
			v.SetBool(true)
		case strings.EqualFold(p.val, "false"):
			v.SetBool(false)
		default:
			return bad("boolean")
		}
	case protocol.KindInt:
		n, err := strconv.ParseInt(p.val, 10, s.Bits)
		if err != nil {
			return bad("integer")
		}
		v.SetInt(n)
	case protocol.KindUint:
		n, err := strconv.ParseUint(p.val, 10, s.Bits)
		if err != nil {
			return bad("integer")
		}
		v.SetUint(n)
	case protocol.KindFloat:
		f, ok := protocol.ParseFloatSpecial(p.val)
		if !ok {
			var err error
			if f, err = strconv.ParseFloat(p.val, s.Bits); err != nil || strings.ContainsAny(p.val, "xXnN_") {
				return bad("number")
			}
		}
		v.SetFloat(f)
	case protocol.KindBlob:
		enc := base64.StdEncoding
		if len(p.val)%4 != 0 {
			enc = base64.RawStdEncoding
		}
		b, err := enc.DecodeString(p.val)
		if err != nil {
			return bad("base64 blob")
		}
		v.SetBytes(b)
	case protocol.KindTime:
		t, ok := protocol.ParseTimestamp(p.val)
		if !ok {
			return bad("timestamp")
		}
		*v.Addr().Interface().(*time.Time) = t
	case protocol.KindAny:
		if reflect.TypeFor[string]().AssignableTo(v.Type()) {
			v.Set(reflect.ValueOf(p.val))
		}
	}
	return nil
}
