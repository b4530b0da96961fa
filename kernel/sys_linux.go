package kernel

import (
	"encoding/binary"
	"runtime"
	"strings"
	"syscall"
	"unsafe"

	"github.com/bpflab/bpflab/asm"
	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// The two bpf() commands made here directly rather than through
// cilium/ebpf: BPF_PROG_LOAD for programs cilium's instruction model would
// re-encode, and BPF_PROG_TEST_RUN, whose duration and exact data_out size
// cilium's Program.Run does not return.

// progLoadAttr is the BPF_PROG_LOAD part of union bpf_attr, up to
// log_true_size (include/uapi/linux/bpf.h).
type progLoadAttr struct {
	progType           uint32
	insnCnt            uint32
	insns              uint64
	license            uint64
	logLevel           uint32
	logSize            uint32
	logBuf             uint64
	kernVersion        uint32
	progFlags          uint32
	progName           [16]byte
	progIfindex        uint32
	expectedAttachType uint32
	progBTFFd          uint32
	funcInfoRecSize    uint32
	funcInfo           uint64
	funcInfoCnt        uint32
	lineInfoRecSize    uint32
	lineInfo           uint64
	lineInfoCnt        uint32
	attachBTFID        uint32
	attachProgFd       uint32
	coreReloCnt        uint32
	fdArray            uint64
	coreRelos          uint64
	coreReloRecSize    uint32
	logTrueSize        uint32
}

// maxLogSize is the kernel's limit on log_size (UINT_MAX >> 2).
const maxLogSize = 1<<30 - 1

func loadRaw(p asm.Program, req loadRequest) (*ebpf.Program, string, syscall.Errno, error) {
	code := p.Marshal(binary.NativeEndian)
	license := append([]byte(req.license), 0)
	logSize := uint32(1 << 16)
	for {
		logBuf := make([]byte, logSize)
		attr := progLoadAttr{
			progType:           req.progType,
			insnCnt:            uint32(len(p)),
			insns:              uint64(uintptr(unsafe.Pointer(&code[0]))),
			license:            uint64(uintptr(unsafe.Pointer(&license[0]))),
			logLevel:           uint32(req.level),
			logSize:            logSize,
			logBuf:             uint64(uintptr(unsafe.Pointer(&logBuf[0]))),
			progFlags:          req.flags,
			expectedAttachType: req.attach,
		}
		copy(attr.progName[:], req.name)
		fd, _, e := unix.Syscall(unix.SYS_BPF, unix.BPF_PROG_LOAD, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr))
		runtime.KeepAlive(code)
		runtime.KeepAlive(license)
		runtime.KeepAlive(logBuf)
		text := cString(logBuf)
		if e == 0 {
			prog, err := ebpf.NewProgramFromFD(int(fd))
			if err != nil {
				unix.Close(int(fd))
				return nil, "", 0, err
			}
			return prog, text, 0, nil
		}
		if e == unix.ENOSPC && attr.logTrueSize > logSize && attr.logTrueSize <= maxLogSize {
			logSize = attr.logTrueSize
			continue
		}
		if e == unix.ENOSPC && attr.logTrueSize == 0 && logSize < maxLogSize/4 {
			logSize *= 4 // kernels before 6.4 do not say how much they need
			continue
		}
		return nil, text, syscall.Errno(e), nil
	}
}

// testRunAttr is the BPF_PROG_TEST_RUN part of union bpf_attr.
type testRunAttr struct {
	progFd      uint32
	retval      uint32
	dataSizeIn  uint32
	dataSizeOut uint32
	dataIn      uint64
	dataOut     uint64
	repeat      uint32
	duration    uint32
	ctxSizeIn   uint32
	ctxSizeOut  uint32
	ctxIn       uint64
	ctxOut      uint64
	flags       uint32
	cpu         uint32
	batchSize   uint32
	_           uint32
}

// rawTestRun makes one BPF_PROG_TEST_RUN; dataOut and ctxOut are the
// buffers offered for the outputs (nil for none). It returns the sizes the
// kernel reports, which may exceed the buffers (then the errno is ENOSPC).
func rawTestRun(fd int, in *RunInput, dataOut, ctxOut []byte) (attr testRunAttr, err error) {
	attr = testRunAttr{
		progFd:      uint32(fd),
		dataSizeIn:  uint32(len(in.Data)),
		dataSizeOut: uint32(len(dataOut)),
		dataIn:      slicePtr(in.Data),
		dataOut:     slicePtr(dataOut),
		repeat:      in.Repeat,
		ctxSizeIn:   uint32(len(in.Ctx)),
		ctxSizeOut:  uint32(len(ctxOut)),
		ctxIn:       slicePtr(in.Ctx),
		ctxOut:      slicePtr(ctxOut),
		flags:       in.Flags,
		cpu:         in.CPU,
	}
	for {
		_, _, e := unix.Syscall(unix.SYS_BPF, unix.BPF_PROG_TEST_RUN, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr))
		runtime.KeepAlive(in)
		runtime.KeepAlive(dataOut)
		runtime.KeepAlive(ctxOut)
		if e == unix.EINTR {
			// Interrupted by a signal (the Go runtime sends them): the
			// kernel has run the program at most repeat times; run again.
			continue
		}
		if e != 0 {
			return attr, syscall.Errno(e)
		}
		return attr, nil
	}
}

func slicePtr(b []byte) uint64 {
	if len(b) == 0 {
		return 0
	}
	return uint64(uintptr(unsafe.Pointer(&b[0])))
}

func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// release returns the kernel release (uname -r).
func release() string {
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		return ""
	}
	var b strings.Builder
	for _, c := range u.Release {
		if c == 0 {
			break
		}
		b.WriteByte(byte(c))
	}
	return b.String()
}

// pinThread locks the calling goroutine to its thread and the thread to
// cpu; restore undoes both.
func pinThread(cpu int) (restore func(), err error) {
	runtime.LockOSThread()
	var old unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	var set unix.CPUSet
	set.Set(cpu)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	return func() {
		unix.SchedSetaffinity(0, &old)
		runtime.UnlockOSThread()
	}, nil
}
