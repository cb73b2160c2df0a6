package feel

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"time"
)

// FromJSON converts a JSON-shaped Go value (as decoded by encoding/json,
// with or without UseNumber) into a FEEL value. FEEL values pass through.
// time.Time becomes a date and time, time.Duration a days-time duration.
// Unsupported values become null.
func FromJSON(x any) Value {
	switch v := x.(type) {
	case nil:
		return Null{}
	case Value:
		return v
	case bool:
		return Boolean(v)
	case string:
		return String(v)
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return IntNumber(i)
		}
		n, err := ParseNumber(string(v))
		if err != nil {
			return Null{}
		}
		return n
	case float64:
		n, err := FloatNumber(v)
		if err != nil {
			return Null{}
		}
		return n
	case float32:
		n, err := FloatNumber(float64(v))
		if err != nil {
			return Null{}
		}
		return n
	case int:
		return IntNumber(int64(v))
	case int64:
		return IntNumber(v)
	case int32:
		return IntNumber(int64(v))
	case int16:
		return IntNumber(int64(v))
	case int8:
		return IntNumber(int64(v))
	case uint:
		return uintNumber(uint64(v))
	case uint64:
		return uintNumber(v)
	case uint32:
		return IntNumber(int64(v))
	case uint16:
		return IntNumber(int64(v))
	case uint8:
		return IntNumber(int64(v))
	case map[string]any:
		c := &Context{entries: make([]Entry, 0, len(v))}
		for _, k := range sortedKeys(v) {
			c.set(k, FromJSON(v[k]))
		}
		return c
	case []any:
		l := make(List, len(v))
		for i, it := range v {
			l[i] = FromJSON(it)
		}
		return l
	case time.Time:
		if v.Location() == time.UTC {
			return DateTime{T: v, Kind: Offset}
		}
		if name := v.Location().String(); name != "" && name != "Local" {
			return DateTime{T: v, Kind: Zoned}
		}
		return DateTime{T: v, Kind: Offset}
	case time.Duration:
		return DaysTimeDuration(v)
	case []string:
		l := make(List, len(v))
		for i, it := range v {
			l[i] = String(it)
		}
		return l
	case map[string]string:
		m := make(map[string]any, len(v))
		for k, s := range v {
			m[k] = s
		}
		return FromJSON(m)
	}
	return fromReflect(reflect.ValueOf(x))
}

func uintNumber(u uint64) Value {
	if u <= math.MaxInt64 {
		return IntNumber(int64(u))
	}
	n, err := ParseNumber(reflectUint(u))
	if err != nil {
		return Null{}
	}
	return n
}

func reflectUint(u uint64) string {
	var b [20]byte
	i := len(b)
	for u > 0 {
		i--
		b[i] = byte('0' + u%10)
		u /= 10
	}
	return string(b[i:])
}

func fromReflect(rv reflect.Value) Value {
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return Null{}
		}
		l := make(List, rv.Len())
		for i := range l {
			l[i] = FromJSON(rv.Index(i).Interface())
		}
		return l
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String || rv.IsNil() {
			return Null{}
		}
		m := make(map[string]any, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			m[it.Key().String()] = it.Value().Interface()
		}
		return FromJSON(m)
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return Null{}
		}
		return FromJSON(rv.Elem().Interface())
	case reflect.String:
		return String(rv.String())
	case reflect.Bool:
		return Boolean(rv.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return IntNumber(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return uintNumber(rv.Uint())
	case reflect.Float32, reflect.Float64:
		n, err := FloatNumber(rv.Float())
		if err != nil {
			return Null{}
		}
		return n
	}
	return Null{}
}

// ToJSON converts a FEEL value into a JSON-shaped Go value for storage as a
// process variable: numbers become json.Number (integers without a
// fraction), contexts map[string]any, lists []any, temporal values their
// ISO 8601 strings (zoned date-times as "2024-01-01T10:00:00+01:00[Europe/Berlin]"),
// null and functions nil.
func ToJSON(v Value) any {
	switch x := v.(type) {
	case nil, Null:
		return nil
	case Boolean:
		return bool(x)
	case *Number:
		return json.Number(x.String())
	case String:
		return string(x)
	case Date:
		return x.String()
	case Time:
		return x.String()
	case DateTime:
		return x.isoString()
	case YearsMonthsDuration:
		return x.String()
	case DaysTimeDuration:
		return x.String()
	case List:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = ToJSON(it)
		}
		return out
	case *Context:
		out := make(map[string]any, len(x.entries))
		for _, en := range x.entries {
			out[en.Key] = ToJSON(en.Value)
		}
		return out
	case *Range:
		return Format(x)
	}
	return nil
}
