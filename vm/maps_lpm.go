package vm

import (
	"encoding/binary"
	"syscall"

	"github.com/bpflab/bpflab/asm"
)

// lpmTrie is BPF_MAP_TYPE_LPM_TRIE. Keys are struct bpf_lpm_trie_key: a
// little-endian u32 prefix length followed by the data bytes, compared
// most significant bit first. A lookup finds the longest stored prefix that
// matches the key's first prefixlen bits. The kernel's trie is replaced by
// a list; only the results matter.
type lpmTrie struct {
	spec    *asm.MapSpec
	entries []*lpmEntry
}

type lpmEntry struct {
	prefix int
	data   []byte
	value  []byte
}

func (t *lpmTrie) Spec() *asm.MapSpec { return t.spec }

func (t *lpmTrie) maxPrefix() int { return 8 * (int(t.spec.KeySize) - 4) }

// split returns the key's prefix length and data, false when malformed.
func (t *lpmTrie) split(key []byte) (int, []byte, bool) {
	if len(key) != int(t.spec.KeySize) {
		return 0, nil, false
	}
	return int(binary.LittleEndian.Uint32(key)), key[4:], true
}

// matchBits returns how many leading bits a and b share, at most limit.
func matchBits(a, b []byte, limit int) int {
	n := 0
	for i := 0; i < len(a) && n < limit; i++ {
		x := a[i] ^ b[i]
		if x == 0 {
			n += 8
			continue
		}
		for x&0x80 == 0 {
			n++
			x <<= 1
		}
		break
	}
	return min(n, limit)
}

// Lookup models trie_lookup_elem: the longest prefix of at most the key's
// prefix length that matches the key's data.
func (t *lpmTrie) Lookup(key []byte) []byte {
	plen, data, ok := t.split(key)
	if !ok {
		return nil
	}
	var best *lpmEntry
	for _, e := range t.entries {
		if e.prefix <= plen && matchBits(e.data, data, e.prefix) == e.prefix && (best == nil || e.prefix > best.prefix) {
			best = e
		}
	}
	if best == nil {
		return nil
	}
	return best.value
}

func (t *lpmTrie) find(plen int, data []byte) int {
	for i, e := range t.entries {
		if e.prefix == plen && matchBits(e.data, data, plen) == plen {
			return i
		}
	}
	return -1
}

// Update models trie_update_elem: EINVAL for unknown flags or a prefix
// longer than the data, EEXIST/ENOENT for BPF_NOEXIST/BPF_EXIST, ENOSPC
// when full.
func (t *lpmTrie) Update(key, value []byte, flags uint64) error {
	if err := checkFlags(flags); err != nil {
		return err
	}
	plen, data, ok := t.split(key)
	if !ok {
		return checkSize("key", key, t.spec.KeySize)
	}
	if err := checkSize("value", value, t.spec.ValueSize); err != nil {
		return err
	}
	if plen > t.maxPrefix() {
		return syscall.EINVAL
	}
	if i := t.find(plen, data); i >= 0 {
		if flags == BPF_NOEXIST {
			return syscall.EEXIST
		}
		copy(t.entries[i].value, value)
		return nil
	}
	if flags == BPF_EXIST {
		return syscall.ENOENT
	}
	if len(t.entries) >= int(t.spec.MaxEntries) {
		return syscall.ENOSPC
	}
	// Bits past the prefix do not belong to the entry; keep them zero so
	// the dump shows what identifies it.
	d := make([]byte, len(data))
	for b := 0; b < plen; b++ {
		d[b/8] |= data[b/8] & (0x80 >> (b % 8))
	}
	t.entries = append(t.entries, &lpmEntry{prefix: plen, data: d, value: append([]byte(nil), value...)})
	return nil
}

// Delete models trie_delete_elem: EINVAL for a too long prefix, ENOENT
// when the exact prefix is not stored.
func (t *lpmTrie) Delete(key []byte) error {
	plen, data, ok := t.split(key)
	if !ok || plen > t.maxPrefix() {
		return syscall.EINVAL
	}
	i := t.find(plen, data)
	if i < 0 {
		return syscall.ENOENT
	}
	t.entries = append(t.entries[:i], t.entries[i+1:]...)
	return nil
}

// Entries returns the stored prefixes sorted by key bytes.
func (t *lpmTrie) Entries() []asm.MapEntry {
	es := make([]asm.MapEntry, 0, len(t.entries))
	for _, e := range t.entries {
		k := binary.LittleEndian.AppendUint32(nil, uint32(e.prefix))
		es = append(es, asm.MapEntry{Key: append(k, e.data...), Value: append([]byte(nil), e.value...)})
	}
	sortEntries(es)
	return es
}
