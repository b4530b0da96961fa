# clang-19 -target bpf -O2 -mcpu=v4 -S output (section and data directives trimmed):
# labels, directives, '#' comments, decimal immediates, a map by name, a call by name.
	.text
	.globl	prog                            # -- Begin function prog
	.p2align	3
prog:                                   # @prog
# %bb.0:
	*(u32 *)(r10 - 4) = 0
	w6 = *(u32 *)(r1 + 0)
	if w6 s> 5 goto LBB0_4
# %bb.1:
	w0 = 0
	if w6 s< 1 goto LBB0_6
# %bb.2:
	w1 = 0
LBB0_3:                                 # =>This Inner Loop Header: Depth=1
	w2 = w1
	w2 >>= 2
	w2 ^= w1
	w0 += w2
	w1 += 1
	if w1 s< w6 goto LBB0_3
	goto LBB0_6
LBB0_4:
	r2 = r10
	r2 += -4
	r1 = counts ll
	call 1
	r1 = r0
	w0 = 1
	if r1 != 0 goto LBB0_6
# %bb.5:
	w1 = w6
	call triple
LBB0_6:
	exit
.Lfunc_end0:
                                        # -- End function
	.text
	.p2align	3                               # -- Begin function triple
triple:                                 # @triple
# %bb.0:
	w0 = w1
	w0 *= 3
	exit
.Lfunc_end1:
                                        # -- End function
