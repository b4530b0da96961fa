package kernel

import (
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestParseLog checks the log parser on logs captured from Linux 6.18.
func TestParseLog(t *testing.T) {
	tests := []struct {
		name  string
		log   string
		errno syscall.Errno
		want  Result
	}{
		{
			name: "accepted with stats",
			log: "func#0 @0\nfunc#1 @4\n0: R1=ctx() R10=fp0\n0: (85) call pc+3\nverification time 42 usec\n" +
				"stack depth 8+16\nprocessed 9 insns (limit 1000000) max_states_per_insn 1 total_states 2 peak_states 2 mark_read 1\n",
			want: Result{Accepted: true, Insn: -1, Processed: 9, MaxStatesPerInsn: 1, TotalStates: 2, PeakStates: 2, StackDepth: []int{8, 16}, VerificationTime: 42 * time.Microsecond},
		},
		{
			name:  "two-line rejection names the instruction last printed",
			errno: syscall.EACCES,
			log: "0: R1=ctx() R10=fp0\n0: (61) r2 = *(u32 *)(r1 +0)          ; R1=ctx() R2=pkt(r=0)\n1: (71) r0 = *(u8 *)(r2 +0)\n" +
				"invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)\nR2 offset is outside of the packet\n" +
				"processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n",
			want: Result{Errno: syscall.EACCES, ErrorLine: "R2 offset is outside of the packet", Insn: 1, Processed: 2, VerificationTime: -1},
		},
		{
			name:  "stats-only rejection keeps the error line before the statistics",
			errno: syscall.EACCES,
			log: "R0 !read_ok\nverification time 12 usec\nstack depth 0\n" +
				"processed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n",
			want: Result{Errno: syscall.EACCES, ErrorLine: "R0 !read_ok", Insn: -1, Processed: 1, StackDepth: []int{0}, VerificationTime: 12 * time.Microsecond},
		},
		{
			name: "stats only, accepted",
			log: "verification time 11 usec\nstack depth 0\n" +
				"processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n",
			want: Result{Accepted: true, Insn: -1, Processed: 2, StackDepth: []int{0}, VerificationTime: 11 * time.Microsecond},
		},
		{
			name:  "error naming its instruction",
			errno: syscall.EINVAL,
			log:   "jump out of range from insn 1 to 7\nprocessed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n",
			want:  Result{Errno: syscall.EINVAL, ErrorLine: "jump out of range from insn 1 to 7", Insn: 1, VerificationTime: -1},
		},
		{
			name:  "pre-pass error without an instruction",
			errno: syscall.EINVAL,
			log:   "func#0 @0\nBPF_LDX uses reserved fields\nprocessed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n",
			want:  Result{Errno: syscall.EINVAL, ErrorLine: "BPF_LDX uses reserved fields", Insn: -1, VerificationTime: -1},
		},
		{
			name:  "refused before the verifier: no log",
			errno: syscall.EINVAL,
			want:  Result{Errno: syscall.EINVAL, Insn: -1, Processed: -1, MaxStatesPerInsn: -1, TotalStates: -1, PeakStates: -1, VerificationTime: -1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseLog(tt.log, tt.errno)
			got.Log = nil
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}
