package schedule

import (
	"errors"
	"fmt"
	"math/bits"
	"slices"
)

const secondsPerDay = 24 * 60 * 60

// associationPeriods are the intra-day cadences State Manager lists for
// cron associations: every 1/2, 1, 2, 4, 8 or 12 hours, or once a day.
var associationPeriods = []int{1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 12 * 3600, secondsPerDay}

// check applies the dialect's cron rules beyond the grammar.
func (c *cronSpec) check(r *rules) error {
	if r.secondsZero && c.second != 1 {
		return errors.New("the seconds field must be 0")
	}
	if r.minCronGap > 0 {
		if gap := c.minGap(); gap < int(r.minCronGap.Seconds()) {
			return fmt.Errorf("fires %d s apart, more often than every %v", gap, r.minCronGap)
		}
	}
	if r.cadences {
		return c.checkCadence()
	}
	return nil
}

// timesOfDay lists the fire times within a day, in seconds since midnight,
// in order, stopping after limit entries.
func (c *cronSpec) timesOfDay(limit int) []int {
	out := make([]int, 0, limit)
	for h := nextBit(c.hour, 0); h >= 0; h = nextBit(c.hour, h+1) {
		for m := nextBit(c.minute, 0); m >= 0; m = nextBit(c.minute, m+1) {
			for s := nextBit(c.second, 0); s >= 0; s = nextBit(c.second, s+1) {
				if len(out) == limit {
					return out
				}
				out = append(out, h*3600+m*60+s)
			}
		}
	}
	return out
}

// minGap is the shortest interval between fire times of a day, counting
// the wrap from the last time of one day to the first of the next (so it
// is conservative when consecutive days cannot both fire). More than
// secondsPerDay/300 times a day always means a gap under 5 minutes, so the
// list is cut there.
func (c *cronSpec) minGap() int {
	first, prev, n, gap := -1, 0, 0, secondsPerDay
	for h := nextBit(c.hour, 0); h >= 0; h = nextBit(c.hour, h+1) {
		for m := nextBit(c.minute, 0); m >= 0; m = nextBit(c.minute, m+1) {
			for s := nextBit(c.second, 0); s >= 0; s = nextBit(c.second, s+1) {
				t := h*3600 + m*60 + s
				if first < 0 {
					first = t
				} else {
					gap = min(gap, t-prev)
				}
				if n++; n > secondsPerDay/300 {
					return gap
				}
				prev = t
			}
		}
	}
	return min(gap, first+secondsPerDay-prev)
}

// checkCadence enforces State Manager's cron cadences for associations:
// every 1/2, 1, 2, 4, 8 or 12 hours (evenly over the whole day, every day),
// or once a day at a fixed time on every day, one day of the week, the nth
// weekday of the month or the last given weekday of the month. Months
// cannot be chosen.
func (c *cronSpec) checkCadence() error {
	if c.month != allMonths {
		return errors.New("associations cannot choose months")
	}
	tod := c.timesOfDay(secondsPerDay/1800 + 1)
	n := len(tod)
	if secondsPerDay%n != 0 || !slices.Contains(associationPeriods, secondsPerDay/n) {
		return errors.New("not an association cadence")
	}
	period := secondsPerDay / n
	for i := 1; i < n; i++ {
		if tod[i]-tod[i-1] != period {
			return errors.New("not an association cadence: uneven times of day")
		}
	}
	everyDay := c.domKind == domSet && c.dom == allDays || c.dowKind == dowSet && c.dow == allWeekdays
	switch {
	case everyDay:
		return nil
	case period < secondsPerDay:
		return errors.New("intra-day association cadences run every day")
	case c.dowKind == dowSet && bits.OnesCount64(c.dow) == 1, c.dowKind == dowNth, c.dowKind == dowLast:
		return nil
	}
	return errors.New("not an association cadence: days")
}

const (
	allMonths   uint64 = 0x1ffe     // bits 1–12
	allDays     uint64 = 0xfffffffe // bits 1–31
	allWeekdays uint64 = 0xfe       // bits 1–7
)

// nextBit returns the lowest set bit of m at or above from, or -1.
func nextBit(m uint64, from int) int {
	if from >= 64 {
		return -1
	}
	if from > 0 {
		m &^= 1<<from - 1
	}
	if m == 0 {
		return -1
	}
	return bits.TrailingZeros64(m)
}
