package cache

import (
	"cmp"
	"slices"
	"strings"
)

// Order is how a module list is sorted for people: biggest first, most
// recently used first, or by path. `modcache du --sort` and the TUI's s
// key offer the same three.
type Order int

const (
	BySize Order = iota
	ByUsed
	ByName
)

var orderNames = [...]string{"size", "used", "name"}

// OrderNames are the --sort values, in Order's order.
func OrderNames() []string { return slices.Clone(orderNames[:]) }

// ParseOrder reads a --sort value.
func ParseOrder(s string) (Order, bool) {
	i := slices.Index(orderNames[:], s)
	return Order(i), i >= 0
}

// SortModules sorts mods in place; ties go by path, so the order is the
// same on every run.
func SortModules(mods []*Module, by Order) {
	slices.SortStableFunc(mods, func(a, b *Module) int {
		switch by {
		case BySize:
			if a.Bytes != b.Bytes {
				return cmp.Compare(b.Bytes, a.Bytes)
			}
		case ByUsed:
			if ua, ub := a.Used(), b.Used(); !ua.Equal(ub) {
				return ub.Compare(ua)
			}
		}
		return strings.Compare(a.Path, b.Path)
	})
}
