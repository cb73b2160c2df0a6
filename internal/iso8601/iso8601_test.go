package iso8601

import (
	"errors"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want Duration
		str  string
	}{
		{"PT0S", Duration{}, "PT0S"},
		{"P1D", Duration{Days: 1}, "P1D"},
		{"P1Y2M3W4DT5H6M7.5S", Duration{Years: 1, Months: 2, Weeks: 3, Days: 4, Time: 5*time.Hour + 6*time.Minute + 7500*time.Millisecond}, "P1Y2M3W4DT5H6M7.5S"},
		{"-PT30M", Duration{Negative: true, Time: 30 * time.Minute}, "-PT30M"},
		{"PT90M", Duration{Time: 90 * time.Minute}, "PT1H30M"},
		{"PT0,25S", Duration{Time: 250 * time.Millisecond}, "PT0.25S"},
		{"P2W", Duration{Weeks: 2}, "P2W"},
		{"PT36H", Duration{Time: 36 * time.Hour}, "PT36H"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseDuration(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got %+v want %+v", got, tc.want)
			}
			if got.String() != tc.str {
				t.Fatalf("String() = %q want %q", got.String(), tc.str)
			}
		})
	}
}

func TestParseDurationErrors(t *testing.T) {
	for _, in := range []string{"", "P", "PT", "1D", "P1", "PD", "P1H", "PT1D", "P1.5D", "P1D1Y", "PT1S2M", "PT99999999999999999H", "P1DT", "P1DTT1H", "Pabc"} {
		_, err := ParseDuration(in)
		if err == nil || !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseDuration(%q) error = %v, want ErrSyntax", in, err)
		}
	}
}

func TestAddTo(t *testing.T) {
	base := time.Date(2024, 1, 31, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		d    string
		want time.Time
	}{
		{"P1M", time.Date(2024, 3, 2, 10, 0, 0, 0, time.UTC)},
		{"P1DT2H", time.Date(2024, 2, 1, 12, 0, 0, 0, time.UTC)},
		{"-P1W", time.Date(2024, 1, 24, 10, 0, 0, 0, time.UTC)},
		{"PT0.5S", base.Add(500 * time.Millisecond)},
	}
	for _, tc := range tests {
		d, err := ParseDuration(tc.d)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.AddTo(base); !got.Equal(tc.want) {
			t.Errorf("%s: got %v want %v", tc.d, got, tc.want)
		}
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	// DST: P1D keeps the wall clock, PT24H does not
	b := time.Date(2024, 3, 30, 12, 0, 0, 0, berlin)
	d1, _ := ParseDuration("P1D")
	d2, _ := ParseDuration("PT24H")
	if got := d1.AddTo(b); got.Hour() != 12 {
		t.Errorf("P1D across DST: %v", got)
	}
	if got := d2.AddTo(b); got.Hour() != 13 {
		t.Errorf("PT24H across DST: %v", got)
	}
}

func TestParseDateTime(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	tests := []struct {
		in   string
		want time.Time
		zone string
	}{
		{"2024-01-01T10:00:00Z", time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC), "UTC"},
		{"2024-01-01T10:00:00.250+01:00", time.Date(2024, 1, 1, 9, 0, 0, 250e6, time.UTC), ""},
		{"2024-01-01T10:00:00@Europe/Berlin", time.Date(2024, 1, 1, 10, 0, 0, 0, berlin), "Europe/Berlin"},
		{"2024-07-01T10:00:00[Europe/Berlin]", time.Date(2024, 7, 1, 10, 0, 0, 0, berlin), "Europe/Berlin"},
		{"2024-07-01T10:00:00+02:00[Europe/Berlin]", time.Date(2024, 7, 1, 10, 0, 0, 0, berlin), "Europe/Berlin"},
		{"2024-01-01T10:00:00", time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC), "UTC"},
	}
	for _, tc := range tests {
		got, err := ParseDateTime(tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if !got.Equal(tc.want) {
			t.Errorf("%s: got %v want %v", tc.in, got, tc.want)
		}
		if tc.zone != "" && got.Location().String() != tc.zone {
			t.Errorf("%s: zone %s want %s", tc.in, got.Location(), tc.zone)
		}
	}
	for _, in := range []string{"", "2024-01-01", "2024-01-01T10:00:00@Mars/Base", "2024-13-01T10:00:00Z", "2024-01-01T10:00:00[", "x@"} {
		if _, err := ParseDateTime(in); err == nil {
			t.Errorf("ParseDateTime(%q) succeeded", in)
		}
	}
}

func TestParseRepeatingInterval(t *testing.T) {
	tests := []struct {
		in       string
		reps     int
		hasStart bool
		hasEnd   bool
		interval string
	}{
		{"R5/PT10S", 5, false, false, "PT10S"},
		{"R/PT1H", -1, false, false, "PT1H"},
		{"R3/2024-01-01T10:00:00Z/PT1H", 3, true, false, "PT1H"},
		{"R/P1D/2024-12-31T00:00:00Z", -1, false, true, "P1D"},
		{"R2/2024-01-01T10:00:00@Europe/Berlin/P1D", 2, true, false, "P1D"},
	}
	for _, tc := range tests {
		ri, err := ParseRepeatingInterval(tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if ri.Repetitions != tc.reps || (ri.Start != nil) != tc.hasStart || (ri.End != nil) != tc.hasEnd || ri.Interval.String() != tc.interval {
			t.Errorf("%s: got %+v", tc.in, ri)
		}
	}
	for _, in := range []string{"PT1H", "R5", "Rx/PT1H", "R5/PT0S", "R5/-PT1S", "R/2024-01-01T10:00:00Z", "R/a/b/c"} {
		if _, err := ParseRepeatingInterval(in); err == nil {
			t.Errorf("ParseRepeatingInterval(%q) succeeded", in)
		}
	}
}
