package pattern

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Set is a collection of named patterns that finds the ones a document
// matches without testing each. Every $or combination of every pattern is
// indexed, when it can be, by one of its fields whose alternatives are all
// plain values (strings, numbers, true/false/null) — the field with the
// fewest, typically source or detail-type. A document is extracted once
// with the union of all patterns' paths; the values found at the indexed
// paths select the candidate combinations, and only those (plus the few
// combinations with no such field) are evaluated.
//
// A Set is safe for concurrent use; Add and Remove exclude matching while
// they run.
type Set struct {
	mu      sync.RWMutex
	entries map[string]*setEntry
	nextID  int
	trie    *tnode
	index   map[string]*indexPath // by dotted path
	scan    []altRef              // combinations with no indexable field
}

type setEntry struct {
	id   int
	name string
	p    *Pattern
}

type altRef struct {
	e   *setEntry
	alt int
}

// indexKey is the field a combination is indexed by.
type indexKey struct {
	path string
	segs []string
	strs []string
	nums []string // canonical
	lits []jkind
}

type indexPath struct {
	segs []string
	strs map[string][]altRef
	nums map[string][]altRef
	lits map[jkind][]altRef
	refs int
}

// indexKeyOf picks the field a combination is indexed by, or nil: a field
// whose every alternative is a plain value, the fewest alternatives first,
// then the shallowest path.
func indexKeyOf(a *alt) *indexKey {
	var best *leaf
	bestPath := ""
	for _, path := range a.order {
		l := a.leaves[path]
		if l.existsTrue || l.existsFalse || len(l.matchers) == 0 {
			continue
		}
		plain := true
		for _, m := range l.matchers {
			if m.op != opString && m.op != opNumber && m.op != opLiteral {
				plain = false
				break
			}
		}
		if !plain {
			continue
		}
		if best == nil || cmp.Or(
			cmp.Compare(len(l.matchers), len(best.matchers)),
			cmp.Compare(strings.Count(path, "."), strings.Count(bestPath, ".")),
			cmp.Compare(path, bestPath)) < 0 {
			best, bestPath = l, path
		}
	}
	if best == nil {
		return nil
	}
	k := &indexKey{path: bestPath, segs: strings.Split(bestPath, ".")}
	for _, m := range best.matchers {
		switch m.op {
		case opString:
			k.strs = append(k.strs, m.s)
		case opNumber:
			k.nums = append(k.nums, m.s)
		case opLiteral:
			k.lits = append(k.lits, m.kind)
		}
	}
	return k
}

// NewSet returns an empty Set.
func NewSet() *Set {
	return &Set{entries: map[string]*setEntry{}, trie: &tnode{}, index: map[string]*indexPath{}}
}

// Len returns the number of patterns in the set.
func (s *Set) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.entries)
}

// Add puts the pattern in the set under name, replacing any pattern of that
// name.
func (s *Set) Add(name string, p *Pattern) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.remove(name)
	s.nextID++
	e := &setEntry{id: s.nextID, name: name, p: p}
	s.entries[name] = e
	for _, segs := range p.paths {
		s.trie.add(segs)
	}
	for i, k := range p.keys {
		ref := altRef{e: e, alt: i}
		if k == nil {
			s.scan = append(s.scan, ref)
			continue
		}
		ip := s.index[k.path]
		if ip == nil {
			ip = &indexPath{segs: k.segs, strs: map[string][]altRef{}, nums: map[string][]altRef{}, lits: map[jkind][]altRef{}}
			s.index[k.path] = ip
		}
		ip.refs++
		for _, v := range k.strs {
			ip.strs[v] = append(ip.strs[v], ref)
		}
		for _, v := range k.nums {
			ip.nums[v] = append(ip.nums[v], ref)
		}
		for _, v := range k.lits {
			ip.lits[v] = append(ip.lits[v], ref)
		}
	}
}

// Remove deletes the pattern named name, if any.
func (s *Set) Remove(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.remove(name)
}

func (s *Set) remove(name string) {
	e := s.entries[name]
	if e == nil {
		return
	}
	delete(s.entries, name)
	for _, segs := range e.p.paths {
		s.trie.remove(segs)
	}
	drop := func(refs []altRef) []altRef {
		return slices.DeleteFunc(refs, func(r altRef) bool { return r.e == e })
	}
	s.scan = drop(s.scan)
	for _, k := range e.p.keys {
		if k == nil {
			continue
		}
		ip := s.index[k.path]
		if ip == nil {
			continue
		}
		for _, v := range k.strs {
			if ip.strs[v] = drop(ip.strs[v]); len(ip.strs[v]) == 0 {
				delete(ip.strs, v)
			}
		}
		for _, v := range k.nums {
			if ip.nums[v] = drop(ip.nums[v]); len(ip.nums[v]) == 0 {
				delete(ip.nums, v)
			}
		}
		for _, v := range k.lits {
			if ip.lits[v] = drop(ip.lits[v]); len(ip.lits[v]) == 0 {
				delete(ip.lits, v)
			}
		}
		if ip.refs--; ip.refs <= 0 {
			delete(s.index, k.path)
		}
	}
}

var candPool = sync.Pool{New: func() any { return new([]altRef) }}

// Matches returns the names of the patterns the JSON document matches, in
// name order. The error wraps ErrInvalidDocument when doc is not JSON.
func (s *Set) Matches(doc []byte) ([]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d := getDoc()
	defer putDoc(d)
	root, err := d.extractJSON(string(doc), s.trie)
	if err != nil {
		return nil, fmt.Errorf("pattern: %w: %v", ErrInvalidDocument, err)
	}
	return s.match(d, root), nil
}

// MatchesValue is Matches for a decoded document (see Pattern.MatchValue).
func (s *Set) MatchesValue(v any) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d := getDoc()
	defer putDoc(d)
	return s.match(d, d.extractValue(v, s.trie))
}

func (s *Set) match(d *xdoc, root int32) []string {
	cp := candPool.Get().(*[]altRef)
	cands := append((*cp)[:0], s.scan...)
	for _, ip := range s.index {
		cands = gather(d, root, ip.segs, ip, cands)
	}
	slices.SortFunc(cands, func(a, b altRef) int { return cmp.Or(cmp.Compare(a.e.id, b.e.id), cmp.Compare(a.alt, b.alt)) })
	var names []string
	for i := 0; i < len(cands); {
		e := cands[i].e
		matched := false
		for ; i < len(cands) && cands[i].e == e; i++ {
			if !matched && (i == 0 || cands[i-1] != cands[i]) && d.evalObjects(e.p.alts[cands[i].alt], root) {
				matched = true
				names = append(names, e.name)
			}
		}
	}
	clear(cands)
	*cp = cands[:0]
	candPool.Put(cp)
	slices.Sort(names)
	return names
}

// gather appends the combinations indexed under the values found at segs
// below field f.
func gather(d *xdoc, f int32, segs []string, ip *indexPath, out []altRef) []altRef {
	if len(segs) == 0 {
		for sc := d.fields[f].sHead; sc >= 0; sc = d.scalars[sc].next {
			v := &d.scalars[sc]
			switch v.kind {
			case jString:
				out = append(out, ip.strs[v.s]...)
			case jNumber:
				d.buf = canonNumber(d.buf[:0], v.s)
				out = append(out, ip.nums[string(d.buf)]...)
			default:
				out = append(out, ip.lits[v.kind]...)
			}
		}
		return out
	}
	for r := d.fields[f].oHead; r >= 0; r = d.refs[r].next {
		if g := d.lookup(d.refs[r].obj, segs[0]); g >= 0 {
			out = gather(d, g, segs[1:], ip, out)
		}
	}
	return out
}
