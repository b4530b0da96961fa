package kernel

import (
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

var (
	// "processed 12 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 0"
	processedRe = regexp.MustCompile(`^processed (\d+) insns \(limit \d+\) max_states_per_insn (\d+) total_states (\d+) peak_states (\d+)`)
	// "verification time 42 usec" (LogLevelStats).
	verifTimeRe = regexp.MustCompile(`^verification time (\d+) usec$`)
	// "stack depth 8+0+16": one figure per subprogram (LogLevelStats).
	stackDepthRe = regexp.MustCompile(`^stack depth (\d+(?:\+\d+)*)$`)
	// An instruction line of the log: "7: (b7) r0 = 0" (state lines "7: R0=…" have no opcode).
	insnLineRe = regexp.MustCompile(`^(\d+): \([0-9a-f]{2}\)`)
	// An instruction index named in an error message: "jump out of range from insn 5 to 9".
	insnWordRe = regexp.MustCompile(`\binsn (\d+)\b`)
)

// parseLog builds a Result from the verifier log and the errno of
// BPF_PROG_LOAD (0 when the program was accepted).
func parseLog(text string, errno syscall.Errno) Result {
	r := Result{Accepted: errno == 0, Errno: errno, Insn: -1, Processed: -1, MaxStatesPerInsn: -1, TotalStates: -1, PeakStates: -1, VerificationTime: -1}
	text = strings.TrimRight(text, "\n\x00")
	if text != "" {
		r.Log = strings.Split(text, "\n")
	}
	errIdx := -1
	for i, l := range r.Log {
		if m := processedRe.FindStringSubmatch(l); m != nil {
			r.Processed, _ = strconv.Atoi(m[1])
			r.MaxStatesPerInsn, _ = strconv.Atoi(m[2])
			r.TotalStates, _ = strconv.Atoi(m[3])
			r.PeakStates, _ = strconv.Atoi(m[4])
		}
		if m := verifTimeRe.FindStringSubmatch(l); m != nil {
			us, _ := strconv.ParseInt(m[1], 10, 64)
			r.VerificationTime = time.Duration(us) * time.Microsecond
		}
		if m := stackDepthRe.FindStringSubmatch(l); m != nil {
			r.StackDepth = nil
			for _, f := range strings.Split(m[1], "+") {
				n, _ := strconv.Atoi(f)
				r.StackDepth = append(r.StackDepth, n)
			}
		}
		if errIdx < 0 && isSummaryLine(l) && i > 0 {
			errIdx = i - 1
		}
	}
	if r.Accepted {
		return r
	}
	if errIdx < 0 {
		errIdx = len(r.Log) - 1
	}
	// The summary may be preceded by blank lines; the error is the last
	// line with text before it.
	for errIdx >= 0 && strings.TrimSpace(r.Log[errIdx]) == "" {
		errIdx--
	}
	if errIdx < 0 {
		return r
	}
	r.ErrorLine = r.Log[errIdx]
	if m := insnWordRe.FindStringSubmatch(r.ErrorLine); m != nil {
		r.Insn, _ = strconv.Atoi(m[1])
		return r
	}
	// Otherwise the error is about the instruction the verifier printed
	// last before it.
	for i := errIdx; i >= 0; i-- {
		if m := insnLineRe.FindStringSubmatch(r.Log[i]); m != nil {
			r.Insn, _ = strconv.Atoi(m[1])
			break
		}
	}
	return r
}

// isSummaryLine reports whether a line belongs to the statistics the
// verifier prints after its verdict.
func isSummaryLine(l string) bool {
	return strings.HasPrefix(l, "processed ") || strings.HasPrefix(l, "verification time ") ||
		strings.HasPrefix(l, "stack depth ")
}
