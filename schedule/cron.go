package schedule

import (
	"errors"
	"fmt"
	"strings"
)

// The cron grammar (AWS's, which is Quartz's without a mandatory seconds
// field; see the package tests for the cases it was checked against):
//
//	cron(         Minutes Hours DayOfMonth Month DayOfWeek Year)   all dialects
//	cron(Seconds  Minutes Hours DayOfMonth Month DayOfWeek Year)   Systems Manager
//
// Fields are separated by spaces or tabs. A field is a comma-separated list
// of items (empty items are ignored, as AWS does: "0/5," is "0/5"); an item
// is "*", a value, a range "a-b" (wrapping when b < a, except for years), any
// of those followed by "/step", or "a/step" (a, a+step, … to the field's
// end). Month and day-of-week values may be names (JAN–DEC, SUN–SAT, any
// case); day-of-week 1 is Sunday. Special forms stand alone in their field:
//
//	Day-of-month  ?  L  L-n  LW  L-nW  nW
//	Day-of-week   ?  L (Saturday)  xL (last x of the month)  x#n (nth x, n 1–5)
//
// Exactly one of day-of-month and day-of-week is "?".

// fieldID names a cron field.
type fieldID uint8

const (
	fSecond fieldID = iota
	fMinute
	fHour
	fDOM
	fMonth
	fDOW
	fYear
)

var monthNames = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
var dayNames = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}

// fieldSpecs: value bounds, the largest step (Quartz's limits; years: any
// four-digit step), and value names.
var fieldSpecs = [...]struct {
	name    string
	lo, hi  int
	maxStep int
	names   []string
}{
	fSecond: {"seconds", 0, 59, 59, nil},
	fMinute: {"minutes", 0, 59, 59, nil},
	fHour:   {"hours", 0, 23, 23, nil},
	fDOM:    {"day-of-month", 1, 31, 31, nil},
	fMonth:  {"month", 1, 12, 12, monthNames},
	fDOW:    {"day-of-week", 1, 7, 7, dayNames},
	fYear:   {"year", MinYear, MaxYear, 9999, nil},
}

// domKind is how day-of-month selects days.
type domKind uint8

const (
	domAny         domKind = iota // "?": day-of-week decides
	domSet                        // the dom bitset
	domLast                       // L or L-n: last day minus domN
	domLastWeekday                // LW or L-nW: weekday nearest (last day minus domN)
	domWeekday                    // nW: weekday nearest day domN
)

// dowKind is how day-of-week selects days.
type dowKind uint8

const (
	dowAny  dowKind = iota // "?": day-of-month decides
	dowSet                 // the dow bitset (bit 1 = Sunday)
	dowLast                // xL: last weekday dowDay of the month
	dowNth                 // x#n: dowN-th weekday dowDay of the month
)

// cronSpec is a parsed cron expression: one bitset per field (bit v set
// when value v matches) and the day-of-month / day-of-week rule.
type cronSpec struct {
	second, minute uint64 // bits 0–59
	hour           uint64 // bits 0–23
	dom            uint64 // bits 1–31 (domSet)
	month          uint64 // bits 1–12
	dow            uint64 // bits 1–7 (dowSet)
	year           [4]uint64

	domKind domKind
	domN    int
	dowKind dowKind
	dowDay  int // 1–7
	dowN    int // 1–5

	hasSeconds bool // written with the seconds field
}

func (c *cronSpec) hasYear(y int) bool {
	if y < MinYear || y > MaxYear {
		return false
	}
	i := y - MinYear
	return c.year[i>>6]&(1<<(i&63)) != 0
}

// parseCron parses the text between "cron(" and ")" and applies the
// dialect's rules.
func parseCron(body string, r *rules) (*cronSpec, error) {
	fields := strings.FieldsFunc(body, func(c rune) bool { return c == ' ' || c == '\t' })
	c := &cronSpec{}
	switch {
	case len(fields) == 6:
		c.second = 1 // second 0
	case len(fields) == 7 && r.seconds:
		c.hasSeconds = true
		m, err := parseList(fields[0], fSecond)
		if err != nil {
			return nil, err
		}
		c.second = m
		fields = fields[1:]
	default:
		return nil, fmt.Errorf("%d fields", len(fields))
	}
	var err error
	if c.minute, err = parseList(fields[0], fMinute); err != nil {
		return nil, err
	}
	if c.hour, err = parseList(fields[1], fHour); err != nil {
		return nil, err
	}
	if err = c.parseDOM(fields[2]); err != nil {
		return nil, err
	}
	if c.month, err = parseList(fields[3], fMonth); err != nil {
		return nil, err
	}
	if err = c.parseDOW(fields[4]); err != nil {
		return nil, err
	}
	if err = c.parseYear(fields[5]); err != nil {
		return nil, err
	}
	if (c.domKind == domAny) == (c.dowKind == dowAny) {
		return nil, errors.New(`exactly one of day-of-month and day-of-week must be "?"`)
	}
	return c, c.check(r)
}

// items splits a field into its non-empty list items.
func items(field string) []string {
	parts := strings.Split(field, ",")
	out := parts[:0]
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// single returns the field's only item, upper-cased, if it has just one.
func single(field string) (string, bool) {
	it := items(field)
	if len(it) != 1 {
		return "", false
	}
	return strings.ToUpper(it[0]), true
}

func (c *cronSpec) parseDOM(field string) error {
	if s, ok := single(field); ok {
		switch {
		case s == "?":
			c.domKind = domAny
			return nil
		case s == "L" || s == "LW":
			c.domKind = domLast
			if s == "LW" {
				c.domKind = domLastWeekday
			}
			return nil
		case strings.HasPrefix(s, "L-"):
			n, w := s[2:], false
			if strings.HasSuffix(n, "W") {
				n, w = n[:len(n)-1], true
			}
			v, ok := number(n)
			if !ok || v > 30 {
				return errors.New("day-of-month L-n needs n from 0 to 30")
			}
			c.domKind, c.domN = domLast, v
			if w {
				c.domKind = domLastWeekday
			}
			return nil
		case strings.HasSuffix(s, "W"):
			v, ok := number(s[:len(s)-1])
			if !ok || v < 1 || v > 31 {
				return errors.New("day-of-month nW needs n from 1 to 31")
			}
			c.domKind, c.domN = domWeekday, v
			return nil
		}
	}
	m, err := parseList(field, fDOM)
	if err != nil {
		return err
	}
	c.domKind, c.dom = domSet, m
	return nil
}

func (c *cronSpec) parseDOW(field string) error {
	if s, ok := single(field); ok {
		switch {
		case s == "?":
			c.dowKind = dowAny
			return nil
		case s == "L":
			c.dowKind, c.dow = dowSet, 1<<7 // Saturday, the last day of the week
			return nil
		case strings.HasSuffix(s, "L"):
			d, ok := value(s[:len(s)-1], fDOW)
			if !ok {
				return errors.New("day-of-week xL needs a day 1-7 or SUN-SAT")
			}
			c.dowKind, c.dowDay = dowLast, d
			return nil
		case strings.Contains(s, "#"):
			ds, ns, _ := strings.Cut(s, "#")
			d, ok1 := value(ds, fDOW)
			n, ok2 := number(ns)
			if !ok1 || !ok2 || n < 1 || n > 5 {
				return errors.New("day-of-week x#n needs a day and n from 1 to 5")
			}
			c.dowKind, c.dowDay, c.dowN = dowNth, d, n
			return nil
		}
	}
	m, err := parseList(field, fDOW)
	if err != nil {
		return err
	}
	c.dowKind, c.dow = dowSet, m
	return nil
}

func (c *cronSpec) parseYear(field string) error {
	it := items(field)
	if len(it) == 0 {
		return errors.New("empty year field")
	}
	for _, item := range it {
		lo, hi, step, err := parseItem(item, fYear)
		if err != nil {
			return err
		}
		if hi < lo {
			return errors.New("year range runs backwards")
		}
		for y := lo; y <= hi; y += step {
			i := y - MinYear
			c.year[i>>6] |= 1 << (i & 63)
		}
	}
	return nil
}

// parseList parses a list field (not the year) into a bitset.
func parseList(field string, f fieldID) (uint64, error) {
	it := items(field)
	if len(it) == 0 {
		return 0, fmt.Errorf("empty %s field", fieldSpecs[f].name)
	}
	spec := fieldSpecs[f]
	var m uint64
	for _, item := range it {
		lo, hi, step, err := parseItem(item, f)
		if err != nil {
			return 0, err
		}
		// A backwards range wraps around the field: 22-2 is 22,23,0,1,2.
		span := spec.hi - spec.lo + 1
		end := hi
		if hi < lo {
			end += span
		}
		for v := lo; v <= end; v += step {
			w := v
			if w > spec.hi {
				w -= span
			}
			m |= 1 << w
		}
	}
	return m, nil
}

// parseItem parses one list item into lo, hi (inclusive) and step.
func parseItem(item string, f fieldID) (lo, hi, step int, err error) {
	spec := fieldSpecs[f]
	bad := func(why string) (int, int, int, error) {
		return 0, 0, 0, fmt.Errorf("%s %q: %s", spec.name, item, why)
	}
	base, stepText, hasStep := strings.Cut(item, "/")
	step = 1
	if hasStep {
		s, ok := number(stepText)
		if !ok || s < 1 || s > spec.maxStep {
			return bad(fmt.Sprintf("step must be from 1 to %d", spec.maxStep))
		}
		step = s
	}
	switch {
	case base == "*":
		return spec.lo, spec.hi, step, nil
	case strings.Contains(base, "-"):
		a, b, _ := strings.Cut(base, "-")
		va, ok1 := value(a, f)
		vb, ok2 := value(b, f)
		if !ok1 || !ok2 {
			return bad(fmt.Sprintf("range bounds must be from %d to %d", spec.lo, spec.hi))
		}
		return va, vb, step, nil
	default:
		v, ok := value(base, f)
		if !ok {
			return bad(fmt.Sprintf("value must be from %d to %d", spec.lo, spec.hi))
		}
		if hasStep {
			return v, spec.hi, step, nil
		}
		return v, v, 1, nil
	}
}

// value parses a number or a name of field f, in range.
func value(s string, f fieldID) (int, bool) {
	spec := fieldSpecs[f]
	if len(s) == 3 && spec.names != nil {
		for i, n := range spec.names {
			if strings.EqualFold(s, n) {
				return spec.lo + i, true
			}
		}
	}
	v, ok := number(s)
	if !ok || v < spec.lo || v > spec.hi {
		return 0, false
	}
	return v, true
}

// number parses 1–4 decimal digits.
func number(s string) (int, bool) {
	if s == "" || len(s) > 4 {
		return 0, false
	}
	v := 0
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		v = v*10 + int(s[i]-'0')
	}
	return v, true
}
