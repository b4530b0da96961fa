package asm

import (
	"strings"
	"testing"
)

// TestMapTypeNames checks the bpftool spellings built from the macro
// constants: one for every value from 0 up, each naming its own constant.
func TestMapTypeNames(t *testing.T) {
	names := MapTypeNames()
	if len(names) != int(BPF_MAP_TYPE_ARENA)+1 {
		t.Fatalf("%d map type names, want %d", len(names), BPF_MAP_TYPE_ARENA+1)
	}
	for i, n := range names {
		if v, ok := mapTypeNames["BPF_MAP_TYPE_"+strings.ToUpper(n)]; n == "" || !ok || v != MapType(i) {
			t.Errorf("map type %d is named %q", i, n)
		}
	}
	for v, want := range map[MapType]string{
		BPF_MAP_TYPE_UNSPEC: "unspec", BPF_MAP_TYPE_HASH: "hash", BPF_MAP_TYPE_LRU_PERCPU_HASH: "lru_percpu_hash",
		BPF_MAP_TYPE_CGRP_STORAGE: "cgrp_storage", BPF_MAP_TYPE_ARENA: "arena",
	} {
		if names[v] != want {
			t.Errorf("map type %d: %q, want %q", v, names[v], want)
		}
	}
}
