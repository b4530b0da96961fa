package amd64

import (
	"encoding/hex"
	"testing"

	"golang.org/x/arch/x86/x86asm"
)

// TestEncode checks each builder's bytes against an independent decoder:
// x86asm must decode exactly the bytes emitted, as the expected instruction.
func TestEncode(t *testing.T) {
	tests := []struct {
		emit func(a *Asm)
		want string // x86asm Intel syntax
	}{
		{func(a *Asm) { a.Mov(W64, RAX, RCX) }, "mov rax, rcx"},
		{func(a *Asm) { a.Mov(W32, R8, R15) }, "mov r8d, r15d"},
		{func(a *Asm) { a.MovImm32(R9, 0xdeadbeef) }, "mov r9d, -0x21524111"},
		{func(a *Asm) { a.MovImm64(RAX, 0) }, "xor eax, eax"},
		{func(a *Asm) { a.MovImm64(RDX, -1) }, "mov rdx, -0x1"},
		{func(a *Asm) { a.MovImm64(R12, 0x1122334455667788) }, "mov r12, 0x1122334455667788"},
		{func(a *Asm) { a.ALU(ADD, W64, RBX, R10) }, "add rbx, r10"},
		{func(a *Asm) { a.ALU(SUB, W32, RSI, RDI) }, "sub esi, edi"},
		{func(a *Asm) { a.ALU(CMP, W64, R13, RAX) }, "cmp r13, rax"},
		{func(a *Asm) { a.ALUImm(AND, W64, RCX, 0xff) }, "and rcx, 0xff"},
		{func(a *Asm) { a.ALUImm(XOR, W32, R11, -2) }, "xor r11d, -0x2"},
		{func(a *Asm) { a.ALUImm(OR, W64, RDI, 5) }, "or rdi, 0x5"},
		{func(a *Asm) { a.LockALU(ADD, W64, Ptr(RDI, 8), RSI) }, "lock add qword ptr [rdi+0x8], rsi"},
		{func(a *Asm) { a.LockALU(XOR, W32, PtrIndex(R12, R13, -4), RAX) }, "lock xor dword ptr [r12+r13-0x4], eax"},
		{func(a *Asm) { a.Test(W64, RAX, RAX) }, "test rax, rax"},
		{func(a *Asm) { a.TestImm(W32, R9, 0x100) }, "test r9d, 0x100"},
		{func(a *Asm) { a.IMul(W64, RAX, R14) }, "imul rax, r14"},
		{func(a *Asm) { a.IMulImm(W32, RDX, RCX, 1000) }, "imul edx, ecx, 0x3e8"},
		{func(a *Asm) { a.Div(W64, RCX) }, "div rcx"},
		{func(a *Asm) { a.IDiv(W32, R8) }, "idiv r8d"},
		{func(a *Asm) { a.SignExtendAX(W64) }, "cqo"},
		{func(a *Asm) { a.SignExtendAX(W32) }, "cdq"},
		{func(a *Asm) { a.Neg(W64, R15) }, "neg r15"},
		{func(a *Asm) { a.Shift(SHL, W64, RDX) }, "shl rdx, cl"},
		{func(a *Asm) { a.Shift(SAR, W32, R10) }, "sar r10d, cl"},
		{func(a *Asm) { a.ShiftImm(SHR, W64, RAX, 63) }, "shr rax, 0x3f"},
		{func(a *Asm) { a.ShiftImm(ROL, W16, RBX, 8) }, "rol bx, 0x8"},
		{func(a *Asm) { a.Bswap(W64, R9) }, "bswap r9"},
		{func(a *Asm) { a.Bswap(W32, RAX) }, "bswap eax"},
		{func(a *Asm) { a.Movzx(W8, RAX, RSI) }, "movzx eax, sil"},
		{func(a *Asm) { a.Movzx(W16, R8, RBX) }, "movzx r8d, bx"},
		{func(a *Asm) { a.Movsx(W8, W64, RAX, RDI) }, "movsx rax, dil"},
		{func(a *Asm) { a.Movsx(W8, W32, RAX, RDI) }, "movsx eax, dil"},
		{func(a *Asm) { a.Movsx(W16, W64, R11, RCX) }, "movsx r11, cx"},
		{func(a *Asm) { a.Movsx(W32, W64, RAX, R12) }, "movsxd rax, r12d"},
		{func(a *Asm) { a.Load(W8, RAX, Ptr(RDI, 3)) }, "movzx eax, byte ptr [rdi+0x3]"},
		{func(a *Asm) { a.Load(W16, R9, PtrIndex(RSI, RCX, 0)) }, "movzx r9d, word ptr [rsi+rcx]"},
		{func(a *Asm) { a.Load(W32, RDX, Ptr(RSP, 16)) }, "mov edx, dword ptr [rsp+0x10]"},
		{func(a *Asm) { a.Load(W64, R13, Ptr(RBP, 0)) }, "mov r13, qword ptr [rbp]"},
		{func(a *Asm) { a.Load(W64, RAX, Ptr(R13, 0)) }, "mov rax, qword ptr [r13]"},
		{func(a *Asm) { a.Load(W64, RAX, Ptr(R12, 0x1000)) }, "mov rax, qword ptr [r12+0x1000]"},
		{func(a *Asm) { a.LoadSX(W8, RAX, Ptr(RDI, -1)) }, "movsx rax, byte ptr [rdi-0x1]"},
		{func(a *Asm) { a.LoadSX(W16, RAX, Ptr(RDI, 0)) }, "movsx rax, word ptr [rdi]"},
		{func(a *Asm) { a.LoadSX(W32, R10, PtrIndex(R11, R12, 7)) }, "movsxd r10, dword ptr [r11+r12+0x7]"},
		{func(a *Asm) { a.Store(W8, Ptr(RDI, 0), RSI) }, "mov byte ptr [rdi], sil"},
		{func(a *Asm) { a.Store(W16, Ptr(R8, 2), RAX) }, "mov word ptr [r8+0x2], ax"},
		{func(a *Asm) { a.Store(W32, PtrIndex(RDI, RAX, 0), R9) }, "mov dword ptr [rdi+rax], r9d"},
		{func(a *Asm) { a.Store(W64, Ptr(RSP, -8), RBX) }, "mov qword ptr [rsp-0x8], rbx"},
		{func(a *Asm) { a.StoreImm(W8, Ptr(RDI, 1), 0xab) }, "mov byte ptr [rdi+0x1], 0xab"},
		{func(a *Asm) { a.StoreImm(W16, Ptr(RDI, 1), -2) }, "mov word ptr [rdi+0x1], -0x2"},
		{func(a *Asm) { a.StoreImm(W32, Ptr(R15, 0), 7) }, "mov dword ptr [r15], 0x7"},
		{func(a *Asm) { a.StoreImm(W64, Ptr(RDI, 0), -1) }, "mov qword ptr [rdi], -0x1"},
		{func(a *Asm) { a.Lea(RAX, PtrIndex(RDI, RSI, -3)) }, "lea rax, ptr [rdi+rsi-0x3]"},
		{func(a *Asm) { a.LockXadd(W64, Ptr(RDI, 0), RAX) }, "lock xadd qword ptr [rdi], rax"},
		{func(a *Asm) { a.LockXadd(W32, Ptr(R9, 4), R10) }, "lock xadd dword ptr [r9+0x4], r10d"},
		{func(a *Asm) { a.Xchg(W64, Ptr(RSI, 0), RCX) }, "xchg qword ptr [rsi], rcx"},
		{func(a *Asm) { a.LockCmpxchg(W32, Ptr(RDI, 0), RDX) }, "lock cmpxchg dword ptr [rdi], edx"},
		{func(a *Asm) { a.Cmov(CondE, W64, RAX, RDX) }, "cmovz rax, rdx"},
		{func(a *Asm) { a.CallReg(R11) }, "call r11"},
		{func(a *Asm) { a.JmpReg(RAX) }, "jmp rax"},
		{func(a *Asm) { a.Push(R12) }, "push r12"},
		{func(a *Asm) { a.Pop(RBX) }, "pop rbx"},
		{func(a *Asm) { a.Ret() }, "ret"},
		{func(a *Asm) { a.Int3() }, "int3"},
		{func(a *Asm) { a.ALUMem(CMP, W64, R10, Ptr(R12, 120)) }, "cmp r10, qword ptr [r12+0x78]"},
		{func(a *Asm) { a.ALUMem(ADD, W64, R11, Ptr(R10, 0)) }, "add r11, qword ptr [r10]"},
		{func(a *Asm) { a.ALUMem(CMP, W32, RAX, Ptr(RDI, 8)) }, "cmp eax, dword ptr [rdi+0x8]"},
		{func(a *Asm) { a.ALUMemImm(SUB, W64, Ptr(R12, 8), 1) }, "sub qword ptr [r12+0x8], 0x1"},
		{func(a *Asm) { a.ALUMemImm(CMP, W64, Ptr(R12, 8), 1000) }, "cmp qword ptr [r12+0x8], 0x3e8"},
		{func(a *Asm) { l := a.NewLabel(); a.Bind(l); a.LeaRIP(R11, l) }, "lea r11, ptr [rip+0xfffffff9]"},
		{func(a *Asm) { l := a.NewLabel(); a.Call(l); a.Bind(l) }, "call .+0x0"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			var a Asm
			tt.emit(&a)
			code, err := a.Finish()
			if err != nil {
				t.Fatal(err)
			}
			inst, err := x86asm.Decode(code, 64)
			if err != nil {
				t.Fatalf("x86asm cannot decode % x: %v", code, err)
			}
			if inst.Len != len(code) {
				t.Errorf("decoded %d of %d bytes (% x)", inst.Len, len(code), code)
			}
			if got := x86asm.IntelSyntax(inst, 0, nil); got != tt.want {
				t.Errorf("% x decodes as %q, want %q", code, got, tt.want)
			}
		})
	}
}

// TestLabels checks forward and backward jumps resolve to the right offsets.
func TestLabels(t *testing.T) {
	var a Asm
	top, end := a.NewLabel(), a.NewLabel()
	a.Bind(top)
	a.ALUImm(SUB, W64, RCX, 1) // 4 bytes
	a.Jcc(CondE, end)          // 6 bytes
	a.Jmp(top)                 // 5 bytes
	a.Bind(end)
	a.Ret()
	code, err := a.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hex.EncodeToString(code), "4883e901"+"0f8405000000"+"e9f1ffffff"+"c3"; got != want {
		t.Errorf("code = %s, want %s", got, want)
	}
	var b Asm
	b.Jmp(b.NewLabel())
	if _, err := b.Finish(); err == nil {
		t.Error("Finish with an unbound label succeeded")
	}
}
