package cloudwatch

import (
	"context"
	"encoding/binary"
	"math"
	"testing"
	"time"

	"github.com/stewardhq/steward"
)

// FuzzPutMetricData feeds PutMetricData arbitrary data: it must answer
// with a validation code and store nothing, or store finite aggregates.
func FuzzPutMetricData(f *testing.F) {
	f.Add("ns", "m", "d", "v", "Count", 1.0, 0, int64(0), uint8(0), []byte{})
	f.Add("AWS/x", "", "", "", "", math.NaN(), 30, int64(-1), uint8(1), []byte{1, 2, 3})
	f.Add("ns", "m", "d", "v", "", 0.0, 1, int64(7200), uint8(2), make([]byte, 64))
	f.Add("ns", "m", "d", "v", "None", 0.0, 60, int64(-3600), uint8(3), make([]byte, 48))
	f.Fuzz(func(t *testing.T, ns, name, dn, dv, unit string, v float64, res int, off int64, shape uint8, raw []byte) {
		st := newMemStore()
		s := New(st, Env{Clock: steward.NewFakeClock(t0)}, nil)
		d := MetricDatum{MetricName: name, Unit: unit, StorageResolution: res}
		if off != 0 {
			d.Timestamp = t0.Add(time.Duration(off%(30*86400)) * time.Second)
		}
		if dn != "" || dv != "" {
			d.Dimensions = []Dimension{{dn, dv}}
		}
		var floats []float64
		for len(raw) >= 8 {
			floats = append(floats, math.Float64frombits(binary.LittleEndian.Uint64(raw)))
			raw = raw[8:]
		}
		switch shape % 4 {
		case 0:
			d.Value = &v
		case 1:
			if len(floats) >= 3 {
				d.StatisticValues = &StatisticSet{SampleCount: v, Sum: floats[0], Minimum: floats[1], Maximum: floats[2]}
			}
		case 2:
			d.Values = floats
		case 3:
			half := len(floats) / 2
			d.Values, d.Counts = floats[:half], floats[half:]
		}
		err := s.PutMetricData(context.Background(), ns, []MetricDatum{d})
		if err != nil {
			switch steward.ErrorCode(err) {
			case CodeInvalidParameterValue, CodeInvalidParameterCombination, CodeMissingParameter:
			default:
				t.Fatalf("unexpected error %v", err)
			}
			if st.adds != 0 {
				t.Fatal("bad input stored something")
			}
			return
		}
		for b, agg := range st.buckets {
			if agg.Count <= 0 || math.IsNaN(agg.Sum) || math.IsInf(agg.Sum, 0) || agg.Min > agg.Max {
				t.Fatalf("bucket %+v = %+v", b, agg)
			}
		}
	})
}
