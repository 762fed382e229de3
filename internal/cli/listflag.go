package cli

import (
	"strings"

	"github.com/spf13/pflag"
)

// listValue is a repeatable string flag, as pflag's StringArray, whose
// definition costs nothing: pflag renders each StringArray's default
// through encoding/csv when the flag is defined, and hull defines a few
// dozen of them at every start, `run` included.
type listValue struct{ p *[]string }

func (v listValue) Set(s string) error { *v.p = append(*v.p, s); return nil }
func (v listValue) Type() string       { return "stringArray" }

func (v listValue) String() string {
	if len(*v.p) == 0 {
		return "" // not shown as a default in help
	}
	return "[" + strings.Join(*v.p, ",") + "]"
}

// pflag.SliceValue, for what lists flags' values generically.
func (v listValue) Append(s string) error    { return v.Set(s) }
func (v listValue) Replace(s []string) error { *v.p = append((*v.p)[:0], s...); return nil }
func (v listValue) GetSlice() []string       { return *v.p }

// stringList defines a repeatable string flag that appends to *p.
func stringList(fl *pflag.FlagSet, p *[]string, name, short, usage string) {
	fl.VarP(listValue{p}, name, short, usage)
}
