package kselftest

import (
	"testing"
)

// FuzzParse feeds random table text to the reader: it must never panic or
// hang, whatever the entries hold.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{ "a", .insns = { BPF_LD_MAP_FD(BPF_REG_1, 0), BPF_EXIT_INSN() }, .fixup_map_hash_8b = { 1 }, .result = REJECT, .errstr = "x\ty" },`,
		`{ "b", .insns = {}, .fill_helper = bpf_fill_torturous_jumps, .retval = 3, .prog_type = BPF_PROG_TYPE_SCHED_CLS },`,
		`{ "c", .insns = { BPF_EXIT_INSN() }, .runs = 2, .retvals = { { .retval = 1, .data64 = { -1 } }, { .retval = 2, .data = { 1, 2 } } } },`,
		`{ "d", .insns = { BPF_EXIT_INSN() }, .fixup_kfunc_btf_id = { { "bpf_kfunc_call_test_acquire", 0 } }, .func_info = { { 0, 1 } } },`,
		`{ "e", .insns = { BPF_EXIT_INSN() }, .expected_insns = { SKIP_INSNS() }, .expected_attach_type = BPF_CGROUP_UDP6_SENDMSG, .flags = F_NEEDS_EFFICIENT_UNALIGNED_ACCESS | BPF_F_ANY_ALIGNMENT },`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		tests, err := Parse(src, "fuzz.c")
		if err != nil {
			return
		}
		for _, tc := range tests {
			if tc.Err != nil {
				continue
			}
			if _, err := tc.ProgramSpec(); err != nil {
				continue
			}
			_ = tc.CheckXlated(tc.Insns)
			_, _ = tc.Expect(true)
		}
	})
}
