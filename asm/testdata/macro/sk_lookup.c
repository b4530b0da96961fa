/* A table entry written as the kernel's selftests write them: helper
 * macros, offsetof into UAPI structs, casts and a #if on byte order.
 */
#define LOAD_CB(reg, n) \
	BPF_LDX_MEM(BPF_W, reg, BPF_REG_1, offsetof(struct __sk_buff, cb[n]))
{
	"reference tracking: lookup, check and release",
	.insns = {
	BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),
	BPF_SK_LOOKUP(sk_lookup_tcp),
	BPF_MOV64_REG(BPF_REG_1, BPF_REG_0),
	BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 1),
	BPF_EMIT_CALL(BPF_FUNC_sk_release),
	BPF_MOV64_REG(BPF_REG_1, BPF_REG_6),
	LOAD_CB(BPF_REG_2, 0),
	LOAD_CB(BPF_REG_3, 4),
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	BPF_LDX_MEM(BPF_B, BPF_REG_0, BPF_REG_1, offsetof(struct __sk_buff, mark)),
#else
	BPF_LDX_MEM(BPF_B, BPF_REG_0, BPF_REG_1, offsetof(struct __sk_buff, mark) + 3),
#endif
	BPF_LD_IMM64(BPF_REG_4, (__u64)-1 << 32 | 0x1234),
	BPF_LD_MAP_FD(BPF_REG_5, 0),
	BPF_ATOMIC_OP(BPF_DW, BPF_ADD | BPF_FETCH, BPF_REG_10, BPF_REG_2, -8),
	BPF_ALU32_IMM(BPF_AND, BPF_REG_0, (__u32)~0 >> 1),
	BPF_JMP32_REG(BPF_JSGE, BPF_REG_2, BPF_REG_3, -2),
	BPF_ST_MEM(BPF_DW, BPF_REG_10, -16, -MAX_ERRNO),
	BPF_MOV64_IMM(BPF_REG_0, sizeof(struct bpf_sock) + offsetofend(struct bpf_sock, dst_port)),
	BPF_RAW_INSN(BPF_JMP | BPF_JCOND, 0, 0, 0, 0),
	BPF_EXIT_INSN(),
	},
	.prog_type = BPF_PROG_TYPE_SCHED_CLS,
	.result = ACCEPT,
},
