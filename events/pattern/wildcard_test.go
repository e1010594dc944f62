package pattern

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// naiveGlob is the textbook recursive definition of a '*'-only glob.
func naiveGlob(toks []int16, s string) bool {
	if len(toks) == 0 {
		return s == ""
	}
	if toks[0] == starTok {
		for i := 0; i <= len(s); i++ {
			if naiveGlob(toks[1:], s[i:]) {
				return true
			}
		}
		return false
	}
	return s != "" && s[0] == byte(toks[0]) && naiveGlob(toks[1:], s[1:])
}

func TestWildcardMatchesNaiveGlob(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	alpha := "ab*\\"
	for range 20000 {
		var p strings.Builder
		for range r.IntN(7) {
			p.WriteByte(alpha[r.IntN(len(alpha))])
		}
		w, reason := parseWildcard(p.String())
		if reason != "" {
			continue
		}
		var s strings.Builder
		for range r.IntN(8) {
			s.WriteByte("ab*\\"[r.IntN(4)])
		}
		if got, want := w.match(s.String()), naiveGlob(w.toks, s.String()); got != want {
			t.Fatalf("wildcard %q on %q: %v, want %v", p.String(), s.String(), got, want)
		}
	}
}

func TestWildcardComplexity(t *testing.T) {
	for _, tc := range []struct {
		patterns []string
		ok       bool
	}{
		{[]string{"*.png"}, true},
		{[]string{"arn:aws:s3:::bucket/*/*.png"}, true},
		{[]string{"*.png", "*.jpg", "*.gif", "*.bmp", "*.svg", "*.tif", "*.webp"}, true}, // a shared '*' prefix
		{[]string{"*a*b*c*d*e*f*g*h*i*"}, true},                                          // ten stars
		{[]string{"*a*b*c*d*e*f*g*h*i*j*"}, false},                                       // eleven
		{[]string{"*aaaaaaaaaaaaaaaaaaaa"}, false},                                       // a repeating run after a star
		{[]string{"*a*", "*b*", "*c*", "*d*", "*e*", "*f*", "*g*", "*h*", "*i*", "*j*", "*k*"}, false},
	} {
		var ws []*wildcard
		for _, p := range tc.patterns {
			w, reason := parseWildcard(p)
			if reason != "" {
				t.Fatal(reason)
			}
			ws = append(ws, w)
		}
		if got := wildcardComplexity(ws) <= wildcardComplexityLimit; got != tc.ok {
			t.Errorf("%q: accepted = %v, want %v (complexity %d)", tc.patterns, got, tc.ok, wildcardComplexity(ws))
		}
	}
}
