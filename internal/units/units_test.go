package units

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]int64{"10GiB": 10 << 30, "500MB": 500e6, "1024": 1024, " 2KiB ": 2048} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "ten", "-5MB", "5 parsecs"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) succeeded", bad)
		}
	}
	for in, want := range map[string]time.Duration{"30d": 30 * 24 * time.Hour, "12h": 12 * time.Hour, "2w": 14 * 24 * time.Hour, "90m": 90 * time.Minute} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseDuration("soon"); err == nil {
		t.Error("ParseDuration(soon) succeeded")
	}
	if v, err := ParseSizeOrPercent("20%"); err != nil || v.Of(1000) != 200 {
		t.Errorf("20%% of 1000 = %v, %v", v.Of(1000), err)
	}
	for _, bad := range []string{"0%", "150%", "x%"} {
		if _, err := ParseSizeOrPercent(bad); err == nil {
			t.Errorf("ParseSizeOrPercent(%q) succeeded", bad)
		}
	}
}

func TestFormat(t *testing.T) {
	if got := Bytes(1536); got != "1.5KiB" {
		t.Errorf("Bytes(1536) = %q", got)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for d, want := range map[time.Duration]string{0: "now", 5 * time.Minute: "5m", 3 * time.Hour: "3h", 12 * 24 * time.Hour: "12d", 120 * 24 * time.Hour: "4mo", 800 * 24 * time.Hour: "2y"} {
		if got := Age(now.Add(-d), now); got != want {
			t.Errorf("Age(-%v) = %q, want %q", d, got, want)
		}
	}
	if Age(time.Time{}, now) != "-" {
		t.Error("zero time should print -")
	}
}

func TestCount(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{Count(0, "module"), "0 modules"},
		{Count(1, "module"), "1 module"},
		{Count(int64(2), "whole version"), "2 whole versions"},
	} {
		if tc.got != tc.want {
			t.Errorf("%q, want %q", tc.got, tc.want)
		}
	}
}

func TestElapsed(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s",
		340*time.Millisecond + 400*time.Microsecond: "340ms",
		2345 * time.Millisecond:                     "2.3s",
		72*time.Second + 400*time.Millisecond:       "1m12s",
	} {
		if got := Elapsed(d); got != want {
			t.Errorf("Elapsed(%v) = %q, want %q", d, got, want)
		}
	}
}
