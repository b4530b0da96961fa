package kernel

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/bpflab/bpflab/asm"
)

// Program, attach and map types are named as bpftool and libbpf spell them:
// the kernel enum name in lower case without its prefix ("socket_filter",
// "cgroup_inet_ingress", "percpu_array"). The slices are indexed by the
// kernel's enum value (include/uapi/linux/bpf.h, v6.12); package asm owns
// the tables.

var (
	progTypeNames   = asm.ProgTypeNames()
	attachTypeNames = asm.AttachTypeNames()
	mapTypeNames    = asm.MapTypeNames()
)

// progTypeAliases accepts the ELF section spellings people type for --type.
var progTypeAliases = map[string]string{
	"socket": "socket_filter", "tc": "sched_cls", "classifier": "sched_cls",
	"action": "sched_act", "cgroup/skb": "cgroup_skb", "sk_filter": "socket_filter",
	"filter": "socket_filter",
}

// ProgTypes returns every program type name this package knows, in the
// kernel's enum order (without "unspec").
func ProgTypes() []string { return append([]string(nil), progTypeNames[1:]...) }

// MapTypes returns every map type name this package knows, in enum order
// (without "unspec").
func MapTypes() []string { return append([]string(nil), mapTypeNames[1:]...) }

// ProgTypeByName returns the kernel enum value of a program type name
// ("xdp", "socket_filter", "sched_cls"; also "tc" and "socket", or a number).
func ProgTypeByName(name string) (uint32, error) {
	return lookupName(progTypeNames, progTypeAliases, name, "program type")
}

// AttachTypeByName returns the kernel enum value of an attach type name
// ("cgroup_inet_ingress", "xdp", …, or a number).
func AttachTypeByName(name string) (uint32, error) {
	return lookupName(attachTypeNames, nil, name, "attach type")
}

// ProgTypeName returns the name of a program type enum value.
func ProgTypeName(t uint32) string { return enumName(progTypeNames, t) }

// MapTypeName returns the name of a map type enum value.
func MapTypeName(t uint32) string { return enumName(mapTypeNames, t) }

// AttachTypeName returns the name of an attach type enum value.
func AttachTypeName(t uint32) string { return enumName(attachTypeNames, t) }

func lookupName(names []string, aliases map[string]string, name, what string) (uint32, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	n = strings.TrimPrefix(n, "bpf_prog_type_")
	n = strings.TrimPrefix(n, "bpf_")
	if a, ok := aliases[n]; ok {
		n = a
	}
	for i, s := range names {
		if s == n {
			return uint32(i), nil
		}
	}
	if v, err := strconv.ParseUint(n, 0, 32); err == nil {
		return uint32(v), nil
	}
	return 0, fmt.Errorf("unknown %s %q", what, name)
}

func enumName(names []string, t uint32) string {
	if int(t) < len(names) {
		return names[t]
	}
	return "#" + strconv.FormatUint(uint64(t), 10)
}
