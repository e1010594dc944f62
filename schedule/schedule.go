// Package schedule parses and evaluates AWS schedule expressions — cron(...),
// rate(...) and at(...) — in the dialects of the services Steward imitates:
// EventBridge scheduled rules, State Manager associations and Maintenance
// Windows.
//
// Parse validates an expression the way the dialect's API does and returns
// a Schedule, or a *steward.Error carrying that API's code (EventBridge:
// ValidationException "Parameter ScheduleExpression is not valid."). A
// Schedule is an immutable value; In, StartAt and WithOffset return
// adjusted copies, and Next gives the first fire time strictly after an
// instant:
//
//	s, err := schedule.Parse("cron(30 23 ? * TUE#3 *)", schedule.SSMMaintenanceWindow)
//	s = s.In(berlin).StartAt(created)
//	s, err = s.WithOffset(2)
//	next, ok := s.Next(clock.Now())
//
// Semantics, in brief:
//   - cron is evaluated on the wall clock of the schedule's location (UTC
//     unless In says otherwise). A wall-clock time that a spring-forward
//     transition skips does not fire; one that a fall-back transition repeats
//     fires once, at its first occurrence (EventBridge Scheduler's documented
//     behaviour).
//   - rate counts whole periods from the anchor given to StartAt: the fire
//     times are anchor + k·period, k ≥ 0, in absolute time (a day is 24 h,
//     whatever DST does). Without an anchor, Next(t) is t + period, which is
//     how the agent treats "next run after the last execution".
//   - at(yyyy-mm-ddThh:mm:ss) fires once, at that wall-clock time in the
//     schedule's location.
//   - ScheduleOffset (WithOffset) moves every cron fire time N calendar days
//     later at the same wall-clock time. Cron times before the anchor do not
//     count even when their offset time is still ahead (SSM: "a cron day
//     already passed in the current period … does not run in that period").
//
// Next never walks minute by minute: cron fields are bitsets and the search
// jumps year → month → day → time of day, so an expression that can never
// fire (cron(0 0 30 2 ? *)) is answered in microseconds.
package schedule

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward"
)

// Dialect is the API whose rules an expression is parsed under.
type Dialect uint8

const (
	// EventBridge is PutRule's ScheduleExpression: cron with exactly six
	// fields, rate in minutes/hours/days, no at(), UTC only.
	EventBridge Dialect = iota + 1
	// SSMAssociation is CreateAssociation's ScheduleExpression: six or seven
	// cron fields (seconds must be 0), only the documented cadences, rate
	// from 30 minutes to under 31 days, at().
	SSMAssociation
	// SSMMaintenanceWindow is CreateMaintenanceWindow's Schedule: six or
	// seven cron fields (any seconds), nothing more often than every 5
	// minutes, any rate, at(), ScheduleTimezone.
	SSMMaintenanceWindow
)

// String returns the dialect's name.
func (d Dialect) String() string {
	if r := d.rules(); r != nil {
		return r.name
	}
	return "Dialect(" + strconv.Itoa(int(d)) + ")"
}

// Kind is the form of an expression.
type Kind uint8

const (
	Cron Kind = iota + 1
	Rate
	At
)

// String returns "cron", "rate" or "at".
func (k Kind) String() string {
	switch k {
	case Cron:
		return "cron"
	case Rate:
		return "rate"
	case At:
		return "at"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Limits (AWS's numbers).
const (
	// MaxExpressionLength is the longest ScheduleExpression / Schedule the
	// APIs accept. The API layer should check it first, to answer with the
	// AWS length-constraint message; Parse refuses longer input too.
	MaxExpressionLength = 256
	// MinYear and MaxYear bound the cron year field.
	MinYear = 1970
	MaxYear = 2199
	// MinScheduleOffset and MaxScheduleOffset bound ScheduleOffset (days).
	MinScheduleOffset = 1
	MaxScheduleOffset = 6
)

// AWS error codes returned by this package.
const (
	CodeValidation      = steward.CodeValidation // "ValidationException"
	CodeInvalidSchedule = "InvalidSchedule"      // State Manager
)

// rules is what a dialect allows. One row per dialect in dialectRules.
type rules struct {
	name    string
	code    string // error code of an invalid expression
	message string // error message of an invalid expression

	seconds bool // the 7-field cron form (seconds first) is accepted
	at      bool // at(...) is accepted
	offset  bool // ScheduleOffset applies (cron only)

	minRate, maxRate time.Duration // inclusive min; exclusive max (0 = none)
	minCronGap       time.Duration // cron may not fire more often (0 = none)
	cadences         bool          // only State Manager's listed cron cadences
	secondsZero      bool          // the seconds field, when given, must be 0
}

// dialectRules is the table of dialects. Messages: EventBridge's is AWS's
// exact text; InvalidSchedule's is the text AWS documents for the shape;
// the Maintenance Windows text is Steward's own (AWS's was not found).
var dialectRules = [...]rules{
	EventBridge: {
		name:    "EventBridge",
		code:    CodeValidation,
		message: "Parameter ScheduleExpression is not valid.",
		minRate: time.Minute,
	},
	SSMAssociation: {
		name:        "SSMAssociation",
		code:        CodeInvalidSchedule,
		message:     "The schedule is invalid. Verify your cron or rate expression and try again.",
		seconds:     true,
		at:          true,
		offset:      true,
		minRate:     30 * time.Minute,
		maxRate:     31 * 24 * time.Hour,
		minCronGap:  5 * time.Minute,
		cadences:    true,
		secondsZero: true,
	},
	SSMMaintenanceWindow: {
		name:       "SSMMaintenanceWindow",
		code:       CodeValidation,
		message:    "The schedule expression is not valid. Specify a cron, rate or at expression.",
		seconds:    true,
		at:         true,
		offset:     true,
		minRate:    time.Minute,
		minCronGap: 5 * time.Minute,
	},
}

func (d Dialect) rules() *rules {
	if d == 0 || int(d) >= len(dialectRules) {
		return nil
	}
	return &dialectRules[d]
}

// Schedule is a parsed expression plus how it is evaluated: location,
// anchor and offset. The zero value never fires. A Schedule is immutable and
// safe for concurrent use.
type Schedule struct {
	expr    string
	dialect Dialect
	kind    Kind
	cron    *cronSpec     // Cron
	period  time.Duration // Rate
	at      civil         // At

	loc       *time.Location // nil = UTC
	anchor    time.Time      // zero = none
	offsetDay int
}

// Parse validates expr under dialect d. An invalid expression returns a
// *steward.Error with the dialect's code (ValidationException, or
// InvalidSchedule for associations) and message; its Cause says what was
// wrong, for logs.
func Parse(expr string, d Dialect) (Schedule, error) {
	r := d.rules()
	if r == nil {
		return Schedule{}, fmt.Errorf("schedule: unknown dialect %d", d)
	}
	s := Schedule{expr: expr, dialect: d}
	if err := s.parse(expr, r); err != nil {
		return Schedule{}, &steward.Error{Code: r.code, Message: r.message, Cause: err}
	}
	return s, nil
}

func (s *Schedule) parse(expr string, r *rules) error {
	if len(expr) > MaxExpressionLength {
		return fmt.Errorf("longer than %d characters", MaxExpressionLength)
	}
	if !strings.HasSuffix(expr, ")") {
		return errors.New(`no closing ")"`)
	}
	switch {
	case strings.HasPrefix(expr, "cron("):
		c, err := parseCron(expr[len("cron("):len(expr)-1], r)
		if err != nil {
			return err
		}
		s.kind, s.cron = Cron, c
	case strings.HasPrefix(expr, "rate("):
		p, err := parseRate(expr[len("rate(") : len(expr)-1])
		if err != nil {
			return err
		}
		if p < r.minRate {
			return fmt.Errorf("rate below the %v minimum", r.minRate)
		}
		if r.maxRate > 0 && p >= r.maxRate {
			return fmt.Errorf("rate not below the %v maximum", r.maxRate)
		}
		s.kind, s.period = Rate, p
	case strings.HasPrefix(expr, "at("):
		if !r.at {
			return errors.New("at() is not supported")
		}
		c, err := parseAt(expr[len("at(") : len(expr)-1])
		if err != nil {
			return err
		}
		s.kind, s.at = At, c
	default:
		return errors.New("not cron(...), rate(...) or at(...)")
	}
	return nil
}

// rateUnits maps the rate units to their length; the singular forms go
// with the value 1 only, the plural forms with every other value.
var rateUnits = map[string]struct {
	d        time.Duration
	singular bool
}{
	"minute": {time.Minute, true}, "minutes": {time.Minute, false},
	"hour": {time.Hour, true}, "hours": {time.Hour, false},
	"day": {24 * time.Hour, true}, "days": {24 * time.Hour, false},
}

// parseRate parses "N unit" (one space).
func parseRate(body string) (time.Duration, error) {
	num, unit, ok := strings.Cut(body, " ")
	if !ok {
		return 0, errors.New("rate is not \"value unit\"")
	}
	if num == "" || len(num) > 10 || strings.Trim(num, "0123456789") != "" {
		return 0, errors.New("rate value is not a positive integer")
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 1 {
		return 0, errors.New("rate value is not a positive integer")
	}
	u, ok := rateUnits[unit]
	if !ok {
		return 0, fmt.Errorf("rate unit %q is not minute(s), hour(s) or day(s)", unit)
	}
	if u.singular != (n == 1) {
		return 0, errors.New("rate unit must be singular for 1 and plural otherwise")
	}
	if n > int64(math.MaxInt64/u.d) {
		return 0, errors.New("rate too long")
	}
	return time.Duration(n) * u.d, nil
}

// parseAt parses "yyyy-mm-ddThh:mm:ss".
func parseAt(body string) (civil, error) {
	// time.Parse accepts single-digit fields in places and a leap second;
	// require the exact shape first.
	const layout = "2006-01-02T15:04:05"
	if len(body) != len(layout) {
		return civil{}, errors.New("at() is not yyyy-mm-ddThh:mm:ss")
	}
	for i := range len(layout) {
		isDigit := body[i] >= '0' && body[i] <= '9'
		if wantDigit := layout[i] >= '0' && layout[i] <= '9'; wantDigit != isDigit || !wantDigit && body[i] != layout[i] {
			return civil{}, errors.New("at() is not yyyy-mm-ddThh:mm:ss")
		}
	}
	t, err := time.Parse(layout, body)
	if err != nil {
		return civil{}, errors.New("at() is not a valid date and time")
	}
	return civilOf(t), nil
}

// String returns the expression as given to Parse.
func (s Schedule) String() string { return s.expr }

// Kind returns Cron, Rate or At (0 for the zero Schedule).
func (s Schedule) Kind() Kind { return s.kind }

// Dialect returns the dialect the expression was parsed under.
func (s Schedule) Dialect() Dialect { return s.dialect }

// Period returns a rate's period (0 for cron and at).
func (s Schedule) Period() time.Duration { return s.period }

// Location returns where the schedule is evaluated (UTC by default).
func (s Schedule) Location() *time.Location {
	if s.loc == nil {
		return time.UTC
	}
	return s.loc
}

// Anchor returns the anchor given to StartAt (zero if none).
func (s Schedule) Anchor() time.Time { return s.anchor }

// Offset returns the ScheduleOffset in days (0 if none).
func (s Schedule) Offset() int { return s.offsetDay }

// In returns a copy evaluated on the wall clock of loc (nil means UTC). It
// affects cron and at; rate periods are absolute.
func (s Schedule) In(loc *time.Location) Schedule {
	s.loc = loc
	return s
}

// StartAt returns a copy anchored at t: a rate fires at t + k·period
// (k ≥ 0); cron and at never fire before t (with an offset: cron times
// before t do not count). The zero time removes the anchor.
func (s Schedule) StartAt(t time.Time) Schedule {
	s.anchor = t
	return s
}

// WithOffset returns a copy whose cron fire times are moved days calendar
// days later (ScheduleOffset). 0 removes the offset. It fails with a
// ValidationException outside 1–6, for a dialect without offsets, or for a
// rate or at expression.
func (s Schedule) WithOffset(days int) (Schedule, error) {
	if days == 0 {
		s.offsetDay = 0
		return s, nil
	}
	if days < MinScheduleOffset || days > MaxScheduleOffset {
		return s, steward.Validation("1 validation error detected: Value '%d' at 'scheduleOffset' failed to satisfy constraint: Member must have value between %d and %d", days, MinScheduleOffset, MaxScheduleOffset)
	}
	if r := s.dialect.rules(); r == nil || !r.offset || s.kind != Cron {
		return s, steward.Validation("ScheduleOffset is supported only with cron expressions.")
	}
	s.offsetDay = days
	return s, nil
}

// Next returns the first fire time strictly after after, in the schedule's
// location, or false when there is none (an at() in the past, a cron year
// range that has ended, a day that never exists such as February 30).
func (s Schedule) Next(after time.Time) (time.Time, bool) {
	loc := s.Location()
	switch s.kind {
	case Cron:
		return s.nextCron(after, loc)
	case Rate:
		return s.nextRate(after, loc)
	case At:
		t, ok := resolve(s.at, loc)
		if !ok || !t.After(after) || !s.anchor.IsZero() && t.Before(s.anchor) {
			return time.Time{}, false
		}
		return t, true
	}
	return time.Time{}, false
}

// nextRate returns anchor + k·period for the least k ≥ 0 after after.
func (s Schedule) nextRate(after time.Time, loc *time.Location) (time.Time, bool) {
	if s.anchor.IsZero() {
		t := after.Add(s.period)
		if !t.After(after) { // saturated at the end of time
			return time.Time{}, false
		}
		return t.In(loc), true
	}
	if after.Before(s.anchor) {
		return s.anchor.In(loc), true
	}
	// Whole seconds keep the arithmetic in int64 for any pair of instants;
	// periods are whole minutes.
	p := int64(s.period / time.Second)
	a, an := s.anchor.Unix(), int64(s.anchor.Nanosecond())
	d := after.Unix() - a
	if d < 0 { // overflow: instants further apart than int64 seconds
		return time.Time{}, false
	}
	k := d / p
	for {
		if k > (math.MaxInt64-a)/p {
			return time.Time{}, false
		}
		t := time.Unix(a+k*p, an)
		if t.After(after) {
			return t.In(loc), true
		}
		k++
	}
}

// LoadLocation resolves a ScheduleTimezone: "" is UTC, otherwise an IANA
// name ("America/Los_Angeles"). Anything else is a ValidationException.
func LoadLocation(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	if name == "Local" || strings.ContainsAny(name, " \\") || strings.HasPrefix(name, "/") || strings.Contains(name, "..") {
		return nil, steward.Validation("Invalid ScheduleTimezone: %s", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, &steward.Error{Code: CodeValidation, Message: "Invalid ScheduleTimezone: " + name, Cause: err}
	}
	return loc, nil
}
