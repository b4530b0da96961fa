//go:build linux && amd64

package jit

// enter runs generated code at address code with R12 = st on the native
// stack st.stackTop; see entry_amd64.s.
//
//go:noescape
func enter(code uintptr, st *state)
