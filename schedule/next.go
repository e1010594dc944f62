package schedule

import (
	"time"
)

// civil is a wall-clock date and time with no location.
type civil struct {
	y, mo, d, h, mi, s int
}

func civilOf(t time.Time) civil {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return civil{y, int(mo), d, h, mi, s}
}

func (c civil) before(o civil) bool {
	switch {
	case c.y != o.y:
		return c.y < o.y
	case c.mo != o.mo:
		return c.mo < o.mo
	case c.d != o.d:
		return c.d < o.d
	case c.h != o.h:
		return c.h < o.h
	case c.mi != o.mi:
		return c.mi < o.mi
	}
	return c.s < o.s
}

// addDays moves c by n calendar days, keeping the time of day.
func (c civil) addDays(n int) civil {
	if n == 0 {
		return c
	}
	y, mo, d := civilFromDays(daysFromCivil(c.y, c.mo, c.d) + int64(n))
	c.y, c.mo, c.d = y, mo, d
	return c
}

// unix is c read as UTC, in seconds since the epoch.
func (c civil) unix() int64 {
	return daysFromCivil(c.y, c.mo, c.d)*secondsPerDay + int64(c.h*3600+c.mi*60+c.s)
}

// daysFromCivil returns the days since 1970-01-01 of a proleptic Gregorian
// date (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	yy := int64(y)
	if m <= 2 {
		yy--
	}
	era := yy
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := yy - era*400
	mp := int64(m+9) % 12
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func civilFromDays(z int64) (y, m, d int) {
	z += 719468
	era := z
	if era < 0 {
		era -= 146096
	}
	era /= 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	m = int(mp + 3)
	if m > 12 {
		m -= 12
	}
	y = int(yoe + era*400)
	if m <= 2 {
		y++
	}
	return y, m, d
}

// daysIn returns the number of days of month m of year y.
func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// weekday returns AWS's day-of-week of a date: 1 = Sunday … 7 = Saturday.
func weekday(y, m, d int) int {
	// 1970-01-01 was a Thursday (5).
	w := (daysFromCivil(y, m, d) + 4) % 7
	if w < 0 {
		w += 7
	}
	return int(w) + 1
}

// offsetAt returns loc's UTC offset, in seconds, at the instant u.
func offsetAt(loc *time.Location, u int64) int64 {
	if loc == time.UTC {
		return 0
	}
	_, off := time.Unix(u, 0).In(loc).Zone()
	return int64(off)
}

// resolve returns the instant at which loc's wall clock first reads c, or
// false when it never does (the time falls in a spring-forward gap).
//
// The instant is within a day of c read as UTC, so the two offsets in force
// a day either side are the only candidates (zones do not change offset
// twice within two days); a candidate is real when loc applies that offset
// at it. With two real candidates (a fall-back repeat), the earlier wins.
func resolve(c civil, loc *time.Location) (time.Time, bool) {
	cu := c.unix()
	o1 := offsetAt(loc, cu-secondsPerDay)
	o2 := offsetAt(loc, cu+secondsPerDay)
	best, found := int64(0), false
	for _, o := range [2]int64{o1, o2} {
		u := cu - o
		if offsetAt(loc, u) == o && (!found || u < best) {
			best, found = u, true
		}
	}
	if !found {
		return time.Time{}, false
	}
	return time.Unix(best, 0).In(loc), true
}

// nextCron finds the first cron fire time after after. With an offset the
// search runs over base cron times B and fires at B + offset days; B is
// never before the anchor.
func (s Schedule) nextCron(after time.Time, loc *time.Location) (time.Time, bool) {
	// Fire times are whole seconds: the first candidate is the next whole
	// second after after.
	t0 := after.Truncate(time.Second).Add(time.Second)
	start := civilOf(t0.In(loc)).addDays(-s.offsetDay)
	if !s.anchor.IsZero() {
		a := s.anchor
		if a.Truncate(time.Second).Before(a) {
			a = a.Truncate(time.Second).Add(time.Second)
		}
		if ac := civilOf(a.In(loc)); start.before(ac) {
			start = ac
		}
	}
	for {
		b, ok := s.cron.next(start)
		if !ok {
			return time.Time{}, false
		}
		if t, ok := resolve(b.addDays(s.offsetDay), loc); ok && !t.Before(t0) {
			return t, true
		}
		// b is skipped by spring-forward, or its first occurrence is
		// already past (after lies in the repeat of a fall-back hour).
		start = b
		start.s++ // next() normalises an overflowing second
	}
}

// next returns the first civil time at or after from that the expression
// matches, jumping field by field; false when none is left before the end
// of MaxYear.
func (c *cronSpec) next(from civil) (civil, bool) {
	y, mo, d, h, mi, s := from.y, from.mo, from.d, from.h, from.mi, from.s
	if s > 59 {
		s, mi = 0, mi+1
	}
	if mi > 59 {
		mi, h = 0, h+1
	}
	if h > 23 {
		h, d = 0, d+1
	}
	if y < MinYear {
		y, mo, d, h, mi, s = MinYear, 1, 1, 0, 0, 0
	}
	for y <= MaxYear {
		if !c.hasYear(y) {
			y, mo, d, h, mi, s = y+1, 1, 1, 0, 0, 0
			continue
		}
		m := nextBit(c.month, mo)
		if m < 0 {
			y, mo, d, h, mi, s = y+1, 1, 1, 0, 0, 0
			continue
		}
		if m != mo {
			mo, d, h, mi, s = m, 1, 0, 0, 0
		}
		day := nextBit(c.days(y, mo), d)
		if day < 0 {
			mo, d, h, mi, s = mo+1, 1, 0, 0, 0
			continue
		}
		if day != d {
			d, h, mi, s = day, 0, 0, 0
		}
		if hh, mm, ss, ok := c.timeOfDay(h, mi, s); ok {
			return civil{y, mo, d, hh, mm, ss}, true
		}
		d, h, mi, s = d+1, 0, 0, 0
	}
	return civil{}, false
}

// timeOfDay returns the first matching time of day at or after h:mi:s.
func (c *cronSpec) timeOfDay(h, mi, s int) (int, int, int, bool) {
	for hh := nextBit(c.hour, h); hh >= 0; hh = nextBit(c.hour, hh+1) {
		m0 := 0
		if hh == h {
			m0 = mi
		}
		for mm := nextBit(c.minute, m0); mm >= 0; mm = nextBit(c.minute, mm+1) {
			s0 := 0
			if hh == h && mm == mi {
				s0 = s
			}
			if ss := nextBit(c.second, s0); ss >= 0 {
				return hh, mm, ss, true
			}
		}
	}
	return 0, 0, 0, false
}

// days returns the bitset of the days of month m of year y that match.
func (c *cronSpec) days(y, m int) uint64 {
	n := daysIn(y, m)
	switch c.domKind {
	case domSet:
		return c.dom & (1<<(n+1) - 2)
	case domLast:
		if d := n - c.domN; d >= 1 {
			return 1 << d
		}
		return 0
	case domLastWeekday:
		if d := n - c.domN; d >= 1 {
			return 1 << nearestWeekday(y, m, d, n)
		}
		return 0
	case domWeekday:
		if c.domN <= n {
			return 1 << nearestWeekday(y, m, c.domN, n)
		}
		return 0
	}
	first := weekday(y, m, 1)
	switch c.dowKind {
	case dowSet:
		var out uint64
		for d := 1; d <= n; d++ {
			if c.dow&(1<<((first+d-2)%7+1)) != 0 {
				out |= 1 << d
			}
		}
		return out
	case dowLast:
		last := (first+n-2)%7 + 1
		return 1 << (n - (last-c.dowDay+7)%7)
	case dowNth:
		if d := 1 + (c.dowDay-first+7)%7 + 7*(c.dowN-1); d <= n {
			return 1 << d
		}
	}
	return 0
}

// nearestWeekday returns the weekday (Monday–Friday) nearest to day d of
// the month, without leaving the month: a Saturday moves to the Friday
// before (the Monday after on the 1st), a Sunday to the Monday after (the
// Friday before on the last day).
func nearestWeekday(y, m, d, n int) int {
	switch weekday(y, m, d) {
	case 7: // Saturday
		if d == 1 {
			return 3
		}
		return d - 1
	case 1: // Sunday
		if d == n {
			return d - 2
		}
		return d + 1
	}
	return d
}
