// Package units parses and prints sizes, durations and ages for humans,
// the same way in flags, the config file, the CLI and the TUI.
package units

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	str2duration "github.com/xhit/go-str2duration/v2"
)

// ParseSize reads "10GiB", "500MB", "1.5G" or a plain byte count. SI and
// IEC suffixes mean what they say (GB = 10^9, GiB = 2^30).
func ParseSize(s string) (int64, error) {
	n, err := humanize.ParseBytes(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("invalid size %q: use a number with a unit such as 500MB or 10GiB", s)
	}
	if n > 1<<62 {
		return 0, fmt.Errorf("invalid size %q: too large", s)
	}
	return int64(n), nil
}

// SizeOrPercent is either an absolute size or a percentage of a whole.
type SizeOrPercent struct {
	Bytes   int64
	Percent float64 // 0 < Percent <= 100 when set
}

// IsZero reports whether v is unset: no goal.
func (v SizeOrPercent) IsZero() bool { return v == SizeOrPercent{} }

// Of resolves the value against a total.
func (v SizeOrPercent) Of(total int64) int64 {
	if v.Percent > 0 {
		return int64(float64(total) * v.Percent / 100)
	}
	return v.Bytes
}

func (v SizeOrPercent) String() string {
	if v.Percent > 0 {
		return strconv.FormatFloat(v.Percent, 'f', -1, 64) + "%"
	}
	return Bytes(v.Bytes)
}

// ParseSizeOrPercent reads "20%" or a size.
func ParseSizeOrPercent(s string) (SizeOrPercent, error) {
	s = strings.TrimSpace(s)
	if p, ok := strings.CutSuffix(s, "%"); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || f <= 0 || f > 100 {
			return SizeOrPercent{}, fmt.Errorf("invalid percentage %q: use a number between 0 and 100, such as 20%%", s)
		}
		return SizeOrPercent{Percent: f}, nil
	}
	n, err := ParseSize(s)
	if err != nil {
		return SizeOrPercent{}, fmt.Errorf("invalid size %q: use a size such as 10GiB or a percentage such as 20%%", s)
	}
	return SizeOrPercent{Bytes: n}, nil
}

// ParseDuration reads Go durations plus days and weeks: "30d", "12h", "2w".
func ParseDuration(s string) (time.Duration, error) {
	d, err := str2duration.ParseDuration(strings.TrimSpace(s))
	if err != nil || d < 0 {
		return 0, fmt.Errorf("invalid duration %q: use a number with a unit such as 30d, 12h or 2w", s)
	}
	return d, nil
}

// Bytes prints a size the way du -h would, in binary units.
func Bytes(n int64) string {
	if n < 0 {
		return "-" + Bytes(-n)
	}
	return strings.Replace(humanize.IBytes(uint64(n)), " ", "", 1)
}

// Age prints how long ago t was, compactly: "now", "5m", "3h", "12d",
// "4mo", "2y". A zero time prints as "-".
func Age(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "now"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	case d < 60*24*time.Hour:
		return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	case d < 730*24*time.Hour:
		return fmt.Sprintf("%dmo", int(d/(30*24*time.Hour)))
	}
	return fmt.Sprintf("%dy", int(d/(365*24*time.Hour)))
}

// Duration prints a policy duration compactly: "30d", "12h", "90m".
func Duration(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

// Count prints n with a noun, plural unless n is 1: "1 version",
// "3 versions". Every noun modcache counts takes a plain "s".
func Count[N int | int64](n N, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.FormatInt(int64(n), 10) + " " + noun + "s"
}

// Elapsed prints how long something took, as precisely as is useful:
// "340ms", "2.3s", "1m12s".
func Elapsed(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
