package iso8601

import (
	"fmt"
	"strings"
	"time"

	_ "time/tzdata" // zone ids must resolve even on hosts without a zoneinfo database
)

// ParseDateTime parses an RFC 3339 date-time ("2024-01-01T10:00:00Z",
// "2024-01-01T10:00:00.5+01:00") and the zone-id forms used by Zeebe and
// FEEL: "2024-01-01T10:00:00@Europe/Berlin", "2024-01-01T10:00:00[Europe/Berlin]"
// and "2024-01-01T10:00:00+01:00[Europe/Berlin]". A date-time without offset
// or zone is read as UTC.
func ParseDateTime(s string) (time.Time, error) {
	local, zone, err := SplitZone(s)
	if err != nil {
		return time.Time{}, err
	}
	if zone != "" {
		loc, err := LoadZone(zone)
		if err != nil {
			return time.Time{}, fmt.Errorf("%w: date-time %q: %w", ErrSyntax, s, err)
		}
		// an explicit offset next to the zone id is ignored in favour of the zone rules
		base, _, _ := cutOffset(local)
		t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", base, loc)
		if err != nil {
			return time.Time{}, fmt.Errorf("%w: date-time %q: %w", ErrSyntax, s, err)
		}
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, normalizeZ(local)); err == nil {
		return t, nil
	}
	t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", local, time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: date-time %q is neither RFC 3339 nor <local>@<zone id>", ErrSyntax, s)
	}
	return t, nil
}

func normalizeZ(s string) string {
	if strings.HasSuffix(s, "z") {
		return s[:len(s)-1] + "Z"
	}
	return s
}

// SplitZone splits "…@Zone/Id" and "…[Zone/Id]" into the date-time part and
// the zone id; zone is empty when s has neither form.
func SplitZone(s string) (rest, zone string, err error) {
	if i := strings.IndexByte(s, '@'); i >= 0 {
		if i+1 >= len(s) {
			return "", "", fmt.Errorf("%w: %q: empty zone id after '@'", ErrSyntax, s)
		}
		return s[:i], s[i+1:], nil
	}
	if strings.HasSuffix(s, "]") {
		i := strings.LastIndexByte(s, '[')
		if i < 0 || i+2 >= len(s) {
			return "", "", fmt.Errorf("%w: %q: malformed zone id in brackets", ErrSyntax, s)
		}
		return s[:i], s[i+1 : len(s)-1], nil
	}
	return s, "", nil
}

// cutOffset removes a trailing "Z" or "±hh:mm" from a date-time or time string.
func cutOffset(s string) (base, offset string, ok bool) {
	if strings.HasSuffix(s, "Z") || strings.HasSuffix(s, "z") {
		return s[:len(s)-1], "Z", true
	}
	if len(s) >= 6 {
		o := s[len(s)-6:]
		if (o[0] == '+' || o[0] == '-') && o[3] == ':' {
			// make sure it is not the date part of a bare date
			if strings.ContainsAny(s[:len(s)-6], "T:") {
				return s[:len(s)-6], o, true
			}
		}
	}
	return s, "", false
}

// LoadZone resolves an IANA zone id; "Z" and "UTC" map to time.UTC.
func LoadZone(id string) (*time.Location, error) {
	switch id {
	case "Z", "UTC":
		return time.UTC, nil
	}
	if id == "" || strings.ContainsAny(id, " \t") || strings.HasPrefix(id, "/") || strings.Contains(id, "..") {
		return nil, fmt.Errorf("unknown time zone %q", id)
	}
	loc, err := time.LoadLocation(id)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q: %w", id, err)
	}
	return loc, nil
}

// FormatDateTime formats t as RFC 3339 with nanoseconds trimmed; when
// zoneID is true and t's location is a named zone, the form is
// "2024-01-01T10:00:00+01:00[Europe/Berlin]".
func FormatDateTime(t time.Time, zoneID bool) string {
	s := t.Format("2006-01-02T15:04:05.999999999Z07:00")
	if zoneID {
		if name := t.Location().String(); name != "" && name != "UTC" && name != "Local" {
			s += "[" + name + "]"
		}
	}
	return s
}
