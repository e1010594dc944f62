package pattern

import (
	"net/netip"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// op is what one element of a pattern's value list tests.
type op uint8

const (
	opString              op = iota + 1 // exact string
	opIP                                // exact string that is an IP address: equal addresses match
	opNumber                            // exact number, equal by value
	opLiteral                           // true, false or null
	opPrefix                            // strs[0] (fold: ignoring case)
	opSuffix                            // strs[0] (fold: ignoring case)
	opEqualsIgnoreCase                  // strs[0]
	opWildcard                          // wild[0]
	opNumeric                           // range
	opCIDR                              // address range
	opExists                            // exists true/false (answered by the field, not a value)
	opNotStrings                        // anything-but strings (set)
	opNotNumbers                        // anything-but numbers (canonical set)
	opNotPrefix                         // anything-but prefix (list)
	opNotSuffix                         // anything-but suffix (list)
	opNotEqualsIgnoreCase               // anything-but equals-ignore-case (list)
	opNotWildcard                       // anything-but wildcard (list)
)

// matcher is one compiled element of a leaf's value list.
type matcher struct {
	op    op
	fold  bool
	kind  jkind  // opLiteral
	s     string // opString, opNumber (canonical form)
	text  string // opNumber as written
	addr  netip.Addr
	strs  []string
	set   map[string]struct{}
	wild  []*wildcard
	exist bool

	lo, hi         float64
	loOpen, hiOpen bool
	ipLo, ipHi     netip.Addr
}

// match reports whether the scalar satisfies m.
func (m *matcher) match(d *xdoc, v *xscalar) bool {
	switch m.op {
	case opString:
		return v.kind == jString && v.s == m.s
	case opIP:
		if v.kind != jString {
			return false
		}
		if v.s == m.s {
			return true
		}
		a, st := parseIP(v.s)
		return st == ipOK && a == m.addr
	case opNumber:
		if v.kind != jNumber {
			return false
		}
		if v.s == m.text {
			return true
		}
		d.buf = canonNumber(d.buf[:0], v.s)
		return string(d.buf) == m.s
	case opLiteral:
		return v.kind == m.kind
	case opPrefix:
		return v.kind == jString && hasPrefix(v.s, m.strs[0], m.fold)
	case opSuffix:
		return v.kind == jString && hasSuffix(v.s, m.strs[0], m.fold)
	case opEqualsIgnoreCase:
		return v.kind == jString && strings.EqualFold(v.s, m.strs[0])
	case opWildcard:
		return v.kind == jString && m.wild[0].match(v.s)
	case opNumeric:
		if v.kind != jNumber {
			return false
		}
		f := v.f
		if f < m.lo || f == m.lo && m.loOpen || f > m.hi || f == m.hi && m.hiOpen {
			return false
		}
		return true
	case opCIDR:
		if v.kind != jString {
			return false
		}
		a, st := parseIP(v.s)
		return st == ipOK && a.Is4() == m.ipLo.Is4() && a.Compare(m.ipLo) >= 0 && a.Compare(m.ipHi) <= 0
	case opNotStrings:
		if v.kind != jString {
			return true
		}
		_, hit := m.set[v.s]
		return !hit
	case opNotNumbers:
		if v.kind != jNumber {
			return true
		}
		d.buf = canonNumber(d.buf[:0], v.s)
		_, hit := m.set[string(d.buf)]
		return !hit
	case opNotPrefix:
		if v.kind != jString {
			return true
		}
		for _, p := range m.strs {
			if hasPrefix(v.s, p, false) {
				return false
			}
		}
		return true
	case opNotSuffix:
		if v.kind != jString {
			return true
		}
		for _, p := range m.strs {
			if hasSuffix(v.s, p, false) {
				return false
			}
		}
		return true
	case opNotEqualsIgnoreCase:
		if v.kind != jString {
			return true
		}
		for _, p := range m.strs {
			if strings.EqualFold(v.s, p) {
				return false
			}
		}
		return true
	case opNotWildcard:
		if v.kind != jString {
			return true
		}
		for _, w := range m.wild {
			if w.match(v.s) {
				return false
			}
		}
		return true
	}
	return false
}

// hasPrefix reports whether s begins with p, optionally ignoring case
// (simple Unicode case folding, rune by rune).
func hasPrefix(s, p string, fold bool) bool {
	if !fold {
		return strings.HasPrefix(s, p)
	}
	for p != "" {
		if s == "" {
			return false
		}
		pr, pn := utf8.DecodeRuneInString(p)
		sr, sn := utf8.DecodeRuneInString(s)
		if !runeEqualFold(pr, sr) {
			return false
		}
		p, s = p[pn:], s[sn:]
	}
	return true
}

// hasSuffix reports whether s ends with p, optionally ignoring case.
func hasSuffix(s, p string, fold bool) bool {
	if !fold {
		return strings.HasSuffix(s, p)
	}
	for p != "" {
		if s == "" {
			return false
		}
		pr, pn := utf8.DecodeLastRuneInString(p)
		sr, sn := utf8.DecodeLastRuneInString(s)
		if !runeEqualFold(pr, sr) {
			return false
		}
		p, s = p[:len(p)-pn], s[:len(s)-sn]
	}
	return true
}

// runeEqualFold is strings.EqualFold for one rune each.
func runeEqualFold(a, b rune) bool {
	if a == b {
		return true
	}
	if a < utf8.RuneSelf && b < utf8.RuneSelf {
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		return a == b
	}
	for r := unicode.SimpleFold(a); r != a; r = unicode.SimpleFold(r) {
		if r == b {
			return true
		}
	}
	return false
}

// ipStatus says how parseIP read a string.
type ipStatus uint8

const (
	ipNot     ipStatus = iota // not shaped like an address
	ipInvalid                 // shaped like one, but not an address
	ipOK
)

// parseIP reads an IPv4 or IPv6 address the way AWS's matcher does: a string
// shaped like four dot-separated decimal numbers, or like hex digits and
// colons, is an address candidate; anything else is not an address at all.
// IPv4 octets are decimal even with leading zeros. An IPv4-mapped IPv6
// address is its IPv4 address.
func parseIP(s string) (netip.Addr, ipStatus) {
	if isIPv4Shape(s) {
		var b [4]byte
		rest := s
		for k := range 4 {
			part, tail, _ := strings.Cut(rest, ".")
			n, err := strconv.ParseUint(part, 10, 16)
			if err != nil || n > 255 {
				return netip.Addr{}, ipInvalid
			}
			b[k] = byte(n)
			rest = tail
		}
		return netip.AddrFrom4(b), ipOK
	}
	if isIPv6Shape(s) {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Addr{}, ipInvalid
		}
		return a.Unmap(), ipOK
	}
	return netip.Addr{}, ipNot
}

func isIPv4Shape(s string) bool {
	dots, digits := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			if digits == 0 {
				return false
			}
			dots++
			digits = 0
		default:
			return false
		}
	}
	return dots == 3 && digits > 0
}

func isIPv6Shape(s string) bool {
	colon := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ':':
			colon = true
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
		default:
			return false
		}
	}
	return colon
}

// parseCIDR reads a cidr operand. Like AWS's matcher, the range runs from
// the address as written to that address with all host bits set (an address
// with host bits set is not rounded down), and a mask must leave at least one
// host bit (/32 for IPv4 and /128 for IPv6 are refused).
func parseCIDR(s string) (lo, hi netip.Addr, reason string) {
	parts := strings.Split(s, "/")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1] // Java's split drops trailing empty fields
	}
	if len(parts) != 2 {
		return lo, hi, "Malformed CIDR, one '/' required"
	}
	bits, err := strconv.ParseInt(parts[1], 10, 32)
	if err != nil {
		return lo, hi, "Malformed CIDR, mask bits must be an integer"
	}
	if bits < 0 {
		return lo, hi, "Malformed CIDR, mask bits must not be negative"
	}
	a, st := parseIP(parts[0])
	switch st {
	case ipNot:
		return lo, hi, "Nonstandard IP address: " + parts[0]
	case ipInvalid:
		return lo, hi, "Invalid IP address: " + parts[0]
	}
	if a.Is4() && bits > 31 {
		return lo, hi, "IPv4 mask bits must be < 32"
	}
	if a.Is6() && bits > 127 {
		return lo, hi, "IPv6 mask bits must be < 128"
	}
	raw := a.AsSlice()
	host := len(raw)*8 - int(bits)
	for i := len(raw) - 1; i >= 0 && host > 0; i-- {
		if host >= 8 {
			raw[i] = 0xff
		} else {
			raw[i] |= byte(1<<host - 1)
		}
		host -= 8
	}
	top, _ := netip.AddrFromSlice(raw)
	return a, top, ""
}
