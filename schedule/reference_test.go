package schedule

import (
	"strconv"
	"strings"
	"time"
)

// The reference matcher answers "does this wall-clock time match this cron
// expression?" the slow, obvious way: it re-reads the expression text and
// tests membership arithmetically, and it takes every calendar fact (month
// lengths, weekdays) from package time. It shares no code with the parser
// or the bitset search, so agreeing with it means something. It assumes an
// expression Parse already accepted.

type refCron func(y, mo, d, h, mi, s int) bool

func refCompile(expr string) refCron {
	body := strings.TrimSuffix(strings.TrimPrefix(expr, "cron("), ")")
	f := strings.Fields(strings.ReplaceAll(body, "\t", " "))
	sec := "0"
	if len(f) == 7 {
		sec, f = f[0], f[1:]
	}
	minute, hour, dom, month, dow, year := f[0], f[1], f[2], f[3], f[4], f[5]
	return func(y, mo, d, h, mi, s int) bool {
		return refList(sec, s, 0, 59, nil) &&
			refList(minute, mi, 0, 59, nil) &&
			refList(hour, h, 0, 23, nil) &&
			refList(month, mo, 1, 12, refMonths) &&
			refList(year, y, 1970, 2199, nil) &&
			refDOM(dom, y, mo, d) &&
			refDOW(dow, y, mo, d)
	}
}

var refMonths = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
var refDays = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}

func refVal(s string, names map[string]int) int {
	if v, ok := names[strings.ToUpper(s)]; ok {
		return v
	}
	v, _ := strconv.Atoi(s)
	return v
}

// refList reports whether v is in a list field with values lo..hi.
func refList(field string, v, lo, hi int, names map[string]int) bool {
	for _, item := range strings.Split(field, ",") {
		if item == "" {
			continue
		}
		base, stepText, hasStep := strings.Cut(item, "/")
		step := 1
		if hasStep {
			step, _ = strconv.Atoi(stepText)
		}
		var a, b int
		switch {
		case base == "*":
			a, b = lo, hi
		case strings.Contains(base, "-"):
			x, y, _ := strings.Cut(base, "-")
			a, b = refVal(x, names), refVal(y, names)
		default:
			a = refVal(base, names)
			b = a
			if hasStep {
				b = hi
			}
		}
		// Distance from a to v, and from a to b, going up around the field.
		span := hi - lo + 1
		dist := func(from, to int) int { return ((to-from)%span + span) % span }
		if dist(a, v) <= dist(a, b) && dist(a, v)%step == 0 {
			return true
		}
	}
	return false
}

func refDate(y, mo, d int) time.Time { return time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC) }

func refLastDay(y, mo int) int { return refDate(y, mo+1, 0).Day() }

func refWeekday(y, mo, d int) int { return int(refDate(y, mo, d).Weekday()) + 1 }

// refNearestWeekday: the Monday–Friday date nearest to day n, searched
// outward, staying in the month, preferring the earlier date on a tie.
func refNearestWeekday(y, mo, n int) int {
	last := refLastDay(y, mo)
	for dist := 0; dist < 4; dist++ {
		for _, c := range []int{n - dist, n + dist} {
			if c >= 1 && c <= last {
				if w := refWeekday(y, mo, c); w >= 2 && w <= 6 {
					return c
				}
			}
		}
	}
	return -1
}

func refDOM(field string, y, mo, d int) bool {
	f := strings.ToUpper(strings.Trim(field, ","))
	last := refLastDay(y, mo)
	switch {
	case f == "?":
		return true
	case f == "L":
		return d == last
	case f == "LW":
		return d == refNearestWeekday(y, mo, last)
	case strings.HasPrefix(f, "L-"):
		n := strings.TrimSuffix(f[2:], "W")
		k, _ := strconv.Atoi(n)
		if last-k < 1 {
			return false
		}
		if strings.HasSuffix(f, "W") {
			return d == refNearestWeekday(y, mo, last-k)
		}
		return d == last-k
	case strings.HasSuffix(f, "W"):
		k, _ := strconv.Atoi(f[:len(f)-1])
		return k <= last && d == refNearestWeekday(y, mo, k)
	}
	return refList(field, d, 1, 31, nil)
}

func refDOW(field string, y, mo, d int) bool {
	f := strings.ToUpper(strings.Trim(field, ","))
	w := refWeekday(y, mo, d)
	switch {
	case f == "?":
		return true
	case f == "L":
		return w == 7
	case strings.HasSuffix(f, "L"):
		return w == refVal(f[:len(f)-1], refDays) && d+7 > refLastDay(y, mo)
	case strings.Contains(f, "#"):
		x, n, _ := strings.Cut(f, "#")
		k, _ := strconv.Atoi(n)
		return w == refVal(x, refDays) && (d-1)/7+1 == k
	}
	return refList(field, w, 1, 7, refDays)
}

// refFirstOccurrence reports whether no earlier instant shows the same wall
// clock as t (false for the repeat of a fall-back hour).
func refFirstOccurrence(t time.Time) bool {
	for _, d := range []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour} {
		e := t.Add(-d)
		if e.Hour() == t.Hour() && e.Minute() == t.Minute() && e.Second() == t.Second() && e.Day() == t.Day() {
			return false
		}
	}
	return true
}

// refFires reports whether s fires at t, by the reference matcher: the wall
// clock of t (moved back by the offset) matches, it is the first occurrence
// of that wall clock, and the base time is not before the anchor.
func refFires(s Schedule, m refCron, t time.Time) bool {
	lt := t.In(s.Location())
	if lt.Nanosecond() != 0 || !refFirstOccurrence(lt) {
		return false
	}
	base := time.Date(lt.Year(), lt.Month(), lt.Day()-s.Offset(), lt.Hour(), lt.Minute(), lt.Second(), 0, time.UTC)
	if a := s.Anchor(); !a.IsZero() {
		al := a.In(s.Location())
		ab := time.Date(al.Year(), al.Month(), al.Day(), al.Hour(), al.Minute(), al.Second(), al.Nanosecond(), time.UTC)
		if base.Before(ab) {
			return false
		}
	}
	return m(base.Year(), int(base.Month()), base.Day(), base.Hour(), base.Minute(), base.Second())
}

// refNext scans forward from after, one step at a time, up to limit, and
// returns the first instant at which s fires by the reference matcher.
func refNext(s Schedule, m refCron, after, limit time.Time, step time.Duration) (time.Time, bool) {
	for t := after.Truncate(step).Add(step); !t.After(limit); t = t.Add(step) {
		if refFires(s, m, t) {
			return t, true
		}
	}
	return time.Time{}, false
}
