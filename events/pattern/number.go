package pattern

import "strconv"

// canonNumber appends to buf a canonical form of the JSON number text s, so
// that two numbers are equal by value exactly when their canonical forms are
// equal: 300, 300.0, 3e2 and 0.3E3 all become "3e3". The form is the sign,
// the significant digits, and the decimal exponent of the value written as
// 0.d1d2d3…. Zero (of either sign) is "0". It works on the decimal text, so
// large integers (account numbers, IDs) compare exactly, not as doubles.
//
// A number whose exponent does not fit in an int32 keeps its text behind a
// '!' marker: it equals only a number written the same way.
func canonNumber(buf []byte, s string) []byte {
	i := 0
	neg := false
	if i < len(s) && s[i] == '-' {
		neg = true
		i++
	}
	intStart := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	intEnd := i
	fracStart, fracEnd := i, i
	if i < len(s) && s[i] == '.' {
		i++
		fracStart = i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		fracEnd = i
	}
	exp := int64(0)
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		e, err := strconv.ParseInt(s[i+1:], 10, 32)
		if err != nil {
			return append(append(buf, '!'), s...)
		}
		exp = e
	}
	// digit(k) is the k-th digit of the integer part followed by the fraction.
	n := (intEnd - intStart) + (fracEnd - fracStart)
	digit := func(k int) byte {
		if k < intEnd-intStart {
			return s[intStart+k]
		}
		return s[fracStart+k-(intEnd-intStart)]
	}
	lead := 0
	for lead < n && digit(lead) == '0' {
		lead++
	}
	if lead == n {
		return append(buf, '0')
	}
	last := n
	for digit(last-1) == '0' {
		last--
	}
	if neg {
		buf = append(buf, '-')
	}
	for k := lead; k < last; k++ {
		buf = append(buf, digit(k))
	}
	buf = append(buf, 'e')
	return strconv.AppendInt(buf, int64(intEnd-intStart)+exp-int64(lead), 10)
}

// canonString is canonNumber as a new string (compile time).
func canonString(s string) string { return string(canonNumber(nil, s)) }
