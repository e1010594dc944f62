package pattern

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"sync"
)

// A document is matched in two steps: extraction walks it once and keeps,
// in a small arena, only the values at paths some pattern names (a trie of
// path segments says which); evaluation then tests every alternative of the
// pattern against the arena. Arrays are flattened while extracting, so each
// kept field holds its scalar leaves and, separately, the objects found
// under it (array elements stay separate objects, which is what makes
// matching "array-consistent": two fields of a nested pattern must come from
// the same element).
//
// Field paths follow AWS's flattening, where a dotted key is the same path
// as nesting: a pattern key "a.b" and a document key "a.b" each match the
// other spelling too.

// tnode is a node of the trie of paths a pattern (or a Set) reads. A few
// children are searched in a slice (faster than hashing every key of the
// document); many go in a map.
type tnode struct {
	children map[string]*tnode
	names    []string // the children, when there are few
	nodes    []*tnode
	refs     int // patterns using this node (Set bookkeeping)
}

const trieSliceMax = 8

func (t *tnode) child(name string) *tnode {
	if t.names != nil {
		for i, n := range t.names {
			if len(n) == len(name) && n == name {
				return t.nodes[i]
			}
		}
		return nil
	}
	if t.children == nil {
		return nil
	}
	return t.children[name]
}

// leafOnly reports whether nothing is read below t.
func (t *tnode) leafOnly() bool { return len(t.children) == 0 }

// index rebuilds the slice view of the children.
func (t *tnode) index() {
	t.names, t.nodes = nil, nil
	if len(t.children) == 0 || len(t.children) > trieSliceMax {
		return
	}
	for k, c := range t.children {
		t.names = append(t.names, k)
		t.nodes = append(t.nodes, c)
	}
}

// add inserts the path segments under t, counting a reference on each node.
func (t *tnode) add(segs []string) {
	n := t
	for _, s := range segs {
		c := n.child(s)
		if c == nil {
			if n.children == nil {
				n.children = map[string]*tnode{}
			}
			c = &tnode{}
			n.children[s] = c
			n.index()
		}
		c.refs++
		n = c
	}
}

// remove undoes add.
func (t *tnode) remove(segs []string) {
	if len(segs) == 0 {
		return
	}
	c := t.child(segs[0])
	if c == nil {
		return
	}
	c.remove(segs[1:])
	c.refs--
	if c.refs <= 0 {
		delete(t.children, segs[0])
		t.index()
	}
}

// xscalar is a kept leaf value.
type xscalar struct {
	kind jkind
	s    string  // string content or number text
	f    float64 // the number's value (kind jNumber)
	next int32
}

// xfield is the kept content of one key of one object: its scalar leaves
// and its objects, arrays flattened.
type xfield struct {
	name         string
	sHead, sTail int32 // scalars
	oHead, oTail int32 // refs to objects
	direct       int32 // the object written directly (not in an array), merged
	next         int32 // next field of the same object
	keyed        bool  // written under its own key (not only through a dotted one)
}

type xobj struct{ fHead, fTail int32 }

type xref struct{ obj, next int32 }

// xdoc is the arena of one extraction. It is pooled; its slices are reused.
type xdoc struct {
	scalars []xscalar
	fields  []xfield
	objs    []xobj
	refs    []xref
	buf     []byte // scratch for canonical numbers
	sc      scanner
}

var docPool = sync.Pool{New: func() any { return new(xdoc) }}

func getDoc() *xdoc { return docPool.Get().(*xdoc) }

func putDoc(d *xdoc) {
	if cap(d.scalars) > 1<<16 || cap(d.fields) > 1<<16 {
		return // do not keep huge arenas alive
	}
	clear(d.scalars)
	clear(d.fields)
	d.scalars, d.fields, d.objs, d.refs = d.scalars[:0], d.fields[:0], d.objs[:0], d.refs[:0]
	d.sc = scanner{}
	docPool.Put(d)
}

// reset prepares the arena and returns the root field: a pseudo field whose
// value is the whole document.
func (d *xdoc) reset() int32 {
	d.scalars, d.fields, d.objs, d.refs = d.scalars[:0], d.fields[:0], d.objs[:0], d.refs[:0]
	return d.newField("")
}

func (d *xdoc) newField(name string) int32 {
	d.fields = append(d.fields, xfield{name: name, sHead: -1, sTail: -1, oHead: -1, oTail: -1, direct: -1, next: -1})
	return int32(len(d.fields) - 1)
}

func (d *xdoc) newObj() int32 {
	d.objs = append(d.objs, xobj{fHead: -1, fTail: -1})
	return int32(len(d.objs) - 1)
}

// lookup returns the field name of object o, or -1.
func (d *xdoc) lookup(o int32, name string) int32 {
	for f := d.objs[o].fHead; f >= 0; f = d.fields[f].next {
		if d.fields[f].name == name {
			return f
		}
	}
	return -1
}

// field returns the field name of object o, creating it.
func (d *xdoc) field(o int32, name string) int32 {
	if f := d.lookup(o, name); f >= 0 {
		return f
	}
	f := d.newField(name)
	if t := d.objs[o].fTail; t >= 0 {
		d.fields[t].next = f
	} else {
		d.objs[o].fHead = f
	}
	d.objs[o].fTail = f
	return f
}

func (d *xdoc) addScalar(f int32, s xscalar) {
	s.next = -1
	d.scalars = append(d.scalars, s)
	i := int32(len(d.scalars) - 1)
	if t := d.fields[f].sTail; t >= 0 {
		d.scalars[t].next = i
	} else {
		d.fields[f].sHead = i
	}
	d.fields[f].sTail = i
}

func (d *xdoc) addObj(f, o int32) {
	d.refs = append(d.refs, xref{obj: o, next: -1})
	i := int32(len(d.refs) - 1)
	if t := d.fields[f].oTail; t >= 0 {
		d.refs[t].next = i
	} else {
		d.fields[f].oHead = i
	}
	d.fields[f].oTail = i
}

// clearField forgets what field f holds.
func (d *xdoc) clearField(f int32) {
	x := &d.fields[f]
	x.sHead, x.sTail, x.oHead, x.oTail, x.direct = -1, -1, -1, -1, -1
}

// directObj returns the object written directly under field f, creating it:
// a key and its dotted spellings ("a": {"b": 1} and "a.b": 2) merge into it.
func (d *xdoc) directObj(f int32) int32 {
	if o := d.fields[f].direct; o >= 0 {
		return o
	}
	o := d.newObj()
	d.fields[f].direct = o
	d.addObj(f, o)
	return o
}

func numberScalar(text string) xscalar {
	f, _ := strconv.ParseFloat(text, 64) // out of range gives ±Inf, which still compares
	return xscalar{kind: jNumber, s: text, f: f}
}

// extractJSON walks the document text, keeping what trie t names.
func (d *xdoc) extractJSON(src string, t *tnode) (int32, error) {
	root := d.reset()
	d.sc = scanner{s: src}
	if err := d.value(root, t, false); err != nil {
		return -1, err
	}
	if err := d.sc.end(); err != nil {
		return -1, err
	}
	return root, nil
}

// value reads one value at the scanner into field f, whose trie node is t.
func (d *xdoc) value(f int32, t *tnode, inArray bool) error {
	sc := &d.sc
	sc.ws()
	if sc.i >= len(sc.s) {
		return sc.unexpected("a value")
	}
	switch c := sc.s[sc.i]; {
	case c == '{':
		if t.leafOnly() {
			return sc.skip() // an object where only leaves are read: not a leaf
		}
		var o int32
		if inArray {
			o = d.newObj()
			d.addObj(f, o)
		} else {
			o = d.directObj(f)
		}
		return d.object(o, t)
	case c == '[':
		if err := sc.enter(); err != nil {
			return err
		}
		sc.i++
		sc.ws()
		if sc.i < len(sc.s) && sc.s[sc.i] == ']' {
			sc.i++
			sc.depth--
			return nil
		}
		for {
			if err := d.value(f, t, true); err != nil {
				return err
			}
			sc.ws()
			if sc.i < len(sc.s) && sc.s[sc.i] == ',' {
				sc.i++
				continue
			}
			if sc.i < len(sc.s) && sc.s[sc.i] == ']' {
				sc.i++
				sc.depth--
				return nil
			}
			return sc.unexpected("',' or ']'")
		}
	case c == '"':
		s, err := sc.str()
		if err != nil {
			return err
		}
		d.addScalar(f, xscalar{kind: jString, s: s})
		return nil
	case c == '-' || c >= '0' && c <= '9':
		s, err := sc.number()
		if err != nil {
			return err
		}
		d.addScalar(f, numberScalar(s))
		return nil
	default:
		k, err := sc.literal()
		if err != nil {
			return err
		}
		d.addScalar(f, xscalar{kind: k})
		return nil
	}
}

// object reads an object at the scanner into object o, whose trie node is t.
func (d *xdoc) object(o int32, t *tnode) error {
	sc := &d.sc
	if err := sc.enter(); err != nil {
		return err
	}
	sc.i++
	sc.ws()
	if sc.i < len(sc.s) && sc.s[sc.i] == '}' {
		sc.i++
		sc.depth--
		return nil
	}
	for {
		sc.ws()
		if sc.i >= len(sc.s) || sc.s[sc.i] != '"' {
			return sc.unexpected("a field name")
		}
		key, err := sc.str()
		if err != nil {
			return err
		}
		sc.ws()
		if sc.i >= len(sc.s) || sc.s[sc.i] != ':' {
			return sc.unexpected("':'")
		}
		sc.i++
		if c := t.child(key); c != nil {
			f := d.field(o, key)
			if d.fields[f].keyed {
				d.clearField(f) // a repeated key: the last one wins, as in encoding/json
			}
			d.fields[f].keyed = true
			err = d.value(f, c, false)
		} else if f, c := d.dotted(o, t, key); c != nil {
			err = d.value(f, c, false)
		} else {
			err = sc.skip()
		}
		if err != nil {
			return err
		}
		sc.ws()
		if sc.i < len(sc.s) && sc.s[sc.i] == ',' {
			sc.i++
			continue
		}
		if sc.i < len(sc.s) && sc.s[sc.i] == '}' {
			sc.i++
			sc.depth--
			return nil
		}
		return sc.unexpected("',' or '}'")
	}
}

// dotted resolves a document key holding dots ("a.b.c") as the nested path
// it flattens to. It returns the field to write and its trie node, or a nil
// node when the trie does not name that path.
func (d *xdoc) dotted(o int32, t *tnode, key string) (int32, *tnode) {
	if strings.IndexByte(key, '.') < 0 {
		return -1, nil
	}
	// Check the whole path first, so nothing is created for an unknown one.
	n := t
	for rest := key; ; {
		seg, tail, more := strings.Cut(rest, ".")
		if n = n.child(seg); n == nil {
			return -1, nil
		}
		if !more {
			break
		}
		rest = tail
	}
	n = t
	var f int32
	for rest := key; ; {
		seg, tail, more := strings.Cut(rest, ".")
		n = n.child(seg)
		f = d.field(o, seg)
		if !more {
			return f, n
		}
		o = d.directObj(f)
		rest = tail
	}
}

// extractValue walks a decoded value (json.Decoder with UseNumber, or plain
// json.Unmarshal), keeping what trie t names.
func (d *xdoc) extractValue(v any, t *tnode) int32 {
	root := d.reset()
	d.anyValue(root, t, v, false, 0)
	return root
}

func (d *xdoc) anyValue(f int32, t *tnode, v any, inArray bool, depth int) {
	if depth > maxDepth {
		return
	}
	switch v := v.(type) {
	case map[string]any:
		if t.leafOnly() {
			return
		}
		var o int32
		if inArray {
			o = d.newObj()
			d.addObj(f, o)
		} else {
			o = d.directObj(f)
		}
		for k, val := range v {
			if c := t.child(k); c != nil {
				d.anyValue(d.field(o, k), c, val, false, depth+1)
			} else if df, c := d.dotted(o, t, k); c != nil {
				d.anyValue(df, c, val, false, depth+1)
			}
		}
	case []any:
		for _, el := range v {
			d.anyValue(f, t, el, true, depth+1)
		}
	case string:
		d.addScalar(f, xscalar{kind: jString, s: v})
	case json.Number:
		d.addScalar(f, numberScalar(string(v)))
	case bool:
		if v {
			d.addScalar(f, xscalar{kind: jTrue})
		} else {
			d.addScalar(f, xscalar{kind: jFalse})
		}
	case nil:
		d.addScalar(f, xscalar{kind: jNull})
	case float64:
		if !math.IsInf(v, 0) && !math.IsNaN(v) {
			d.addScalar(f, xscalar{kind: jNumber, s: strconv.FormatFloat(v, 'g', -1, 64), f: v})
		}
	case float32:
		d.anyValue(f, t, float64(v), inArray, depth)
	case int:
		d.addScalar(f, xscalar{kind: jNumber, s: strconv.Itoa(v), f: float64(v)})
	case int64:
		d.addScalar(f, xscalar{kind: jNumber, s: strconv.FormatInt(v, 10), f: float64(v)})
	case int32:
		d.anyValue(f, t, int64(v), inArray, depth)
	case uint64:
		d.addScalar(f, xscalar{kind: jNumber, s: strconv.FormatUint(v, 10), f: float64(v)})
	case uint32:
		d.anyValue(f, t, uint64(v), inArray, depth)
	}
}
