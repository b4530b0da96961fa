package asm

import (
	"bytes"
	"encoding/binary"
	"slices"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// registeredSyntaxes lists every syntax in the registry, so that syntaxes
// added later are covered without touching these tests.
func registeredSyntaxes() []Syntax {
	var ss []Syntax
	for s := range syntaxes {
		ss = append(ss, s)
	}
	sort.Slice(ss, func(i, j int) bool { return ss[i] < ss[j] })
	return ss
}

// printVariants are the PrintOptions whose output must assemble back.
var printVariants = []struct {
	name string
	o    PrintOptions
}{
	{"plain", PrintOptions{}},
	{"labels", PrintOptions{Labels: true}},
	{"index", PrintOptions{Index: true}},
	{"index+labels", PrintOptions{Index: true, Labels: true, Symbols: map[int]string{0: "prog"}}},
	{"helpernames+w32", PrintOptions{HelperNames: true, W32: true}},
}

// TestRoundTrip prints every instruction form in every registered syntax,
// with each print variant, assembles the text and expects the same bytes.
func TestRoundTrip(t *testing.T) {
	forms := allForms()
	checked := 0
	for _, s := range registeredSyntaxes() {
		for _, v := range printVariants {
			if s != SyntaxLLVM && (v.o.Index || v.o.HelperNames || v.o.W32) {
				// Listings with indexes and the LLVM-only options are
				// checked for the LLVM syntax; other syntaxes must
				// round-trip their plain and labelled text.
				continue
			}
			t.Run(s.String()+"/"+v.name, func(t *testing.T) {
				fails := 0
				for _, f := range forms {
					p := f.program()
					if len(p) > 1000 && (testing.Short() || v.o.Index || v.o.HelperNames) {
						// The extreme jump offsets need 32k-slot
						// programs; the plain and labelled texts
						// cover them.
						continue
					}
					o := v.o
					o.Syntax = s
					var b bytes.Buffer
					if err := p.Print(&b, o); err != nil {
						t.Errorf("%s: print: %v", f.name, err)
						continue
					}
					got, err := Assemble(b.Bytes(), "form.s", s)
					checked++
					if err != nil {
						t.Errorf("%s: assemble:\n%s\n%v", f.name, b.String(), err)
					} else if !bytes.Equal(p.Marshal(binary.LittleEndian), got.Marshal(binary.LittleEndian)) {
						t.Errorf("%s: text\n%s\nassembles to other instructions (-want +got):\n%s", f.name, b.String(), cmp.Diff(p.Format(SyntaxLLVM), got.Format(SyntaxLLVM)))
					} else {
						continue
					}
					if fails++; fails >= 20 {
						t.Fatalf("too many failures")
					}
				}
			})
		}
	}
	t.Logf("%d round trips: %d forms in %d syntaxes (5 print variants for llvm, 2 for the others)", checked, len(forms), len(syntaxes))
}

// TestValidateForms asserts that Validate accepts every form of the table
// and that Unmarshal refuses the bytes of clearly invalid forms.
func TestValidateForms(t *testing.T) {
	for _, f := range allForms() {
		p := f.program()
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", f.name, err)
		}
		q, err := Unmarshal(p.Marshal(binary.LittleEndian), binary.LittleEndian)
		if err != nil {
			t.Errorf("%s: unmarshal: %v", f.name, err)
		} else if !slices.Equal(p, q) {
			t.Errorf("%s: unmarshal (-want +got):\n%s", f.name, cmp.Diff(p.Format(SyntaxLLVM), q.Format(SyntaxLLVM)))
		}
	}
	for _, f := range invalidForms() {
		p := append(append(Program{}, f.insns...), BPF_EXIT_INSN())
		if _, err := Unmarshal(p.Marshal(binary.LittleEndian), binary.LittleEndian); err == nil {
			t.Errorf("%s: %v accepted", f.name, p)
		}
	}
}
