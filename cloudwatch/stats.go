package cloudwatch

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strings"
)

// MaxDistinct bounds the distinct values a bucket's distribution keeps.
// Beyond it, Merge joins the closest neighbours (a count-weighted mean), so
// percentiles of very diverse data become approximate while count, sum,
// minimum and maximum stay exact.
const MaxDistinct = 1024

// MetricKey is a metric's canonical identity: namespace, name and the
// dimensions sorted by name, joined with bytes that cannot occur in them
// (names and values are printable text).
func MetricKey(namespace, name string, dims []Dimension) string {
	var b strings.Builder
	b.WriteString(namespace)
	b.WriteByte(0)
	b.WriteString(name)
	sorted := slices.Clone(dims)
	slices.SortFunc(sorted, func(a, b Dimension) int { return strings.Compare(a.Name, b.Name) })
	for _, d := range sorted {
		b.WriteByte(0)
		b.WriteString(d.Name)
		b.WriteByte(1)
		b.WriteString(d.Value)
	}
	return b.String()
}

// Merge adds o into s. A side without a distribution (statistic sets)
// leaves the result without one, unless s was empty.
func (s *Stats) Merge(o Stats) {
	if o.Count == 0 {
		return
	}
	if s.Count == 0 {
		*s = Stats{Count: o.Count, Sum: o.Sum, Min: o.Min, Max: o.Max, Values: slices.Clone(o.Values)}
		return
	}
	hadValues := s.Values != nil && o.Values != nil
	s.Count += o.Count
	s.Sum += o.Sum
	s.Min = math.Min(s.Min, o.Min)
	s.Max = math.Max(s.Max, o.Max)
	if !hadValues {
		s.Values = nil
		return
	}
	s.Values = mergeValues(s.Values, o.Values)
}

// mergeValues merges two sorted distributions, compacting to MaxDistinct.
func mergeValues(a, b []ValueCount) []ValueCount {
	out := make([]ValueCount, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		var v ValueCount
		switch {
		case j == len(b) || (i < len(a) && a[i].Value < b[j].Value):
			v = a[i]
			i++
		case i == len(a) || b[j].Value < a[i].Value:
			v = b[j]
			j++
		default: // equal
			v = ValueCount{a[i].Value, a[i].Count + b[j].Count}
			i++
			j++
		}
		out = append(out, v)
	}
	return compact(out)
}

// compact joins the closest adjacent values until at most MaxDistinct are
// left. Each pass joins disjoint pairs whose gap is at most the median gap,
// so it takes O(n log n) overall.
func compact(vs []ValueCount) []ValueCount {
	for len(vs) > MaxDistinct {
		gaps := make([]float64, len(vs)-1)
		for i := range gaps {
			gaps[i] = vs[i+1].Value - vs[i].Value
		}
		sorted := slices.Clone(gaps)
		slices.Sort(sorted)
		limit := sorted[len(sorted)/2]
		excess := len(vs) - MaxDistinct
		out := vs[:0:0]
		for i := 0; i < len(vs); i++ {
			if excess > 0 && i+1 < len(vs) && gaps[i] <= limit {
				a, b := vs[i], vs[i+1]
				n := a.Count + b.Count
				out = append(out, ValueCount{Value: (a.Value*a.Count + b.Value*b.Count) / n, Count: n})
				i++
				excess--
				continue
			}
			out = append(out, vs[i])
		}
		vs = out
	}
	return vs
}

// EncodeValues is the stored form of a distribution: 16 bytes per entry
// (value and count as IEEE 754 little-endian). Nil encodes as nil.
func EncodeValues(vs []ValueCount) []byte {
	if vs == nil {
		return nil
	}
	b := make([]byte, 0, 16*len(vs)+1)
	b = append(b, 1) // format version; also makes an empty distribution non-nil
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v.Value))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v.Count))
	}
	return b
}

// DecodeValues reverses EncodeValues.
func DecodeValues(b []byte) ([]ValueCount, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if b[0] != 1 || (len(b)-1)%16 != 0 {
		return nil, errors.New("cloudwatch: bad stored distribution")
	}
	b = b[1:]
	vs := make([]ValueCount, len(b)/16)
	for i := range vs {
		vs[i].Value = math.Float64frombits(binary.LittleEndian.Uint64(b[16*i:]))
		vs[i].Count = math.Float64frombits(binary.LittleEndian.Uint64(b[16*i+8:]))
	}
	return vs, nil
}
