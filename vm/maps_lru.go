package vm

// The kernel's LRU for LRU hash maps (kernel/bpf/bpf_lru_list.c, 6.12, the
// common-list flavour), modelled list by list so that evictions pick the
// same keys: a global active, inactive and free list; per CPU a local free
// list and a list of pending (newly used) nodes. A map has max_entries
// nodes; an update takes a free node first (refilling the local free list
// from the global one in batches of target_free, rotating and shrinking
// the inactive list when there are not enough free nodes, which evicts
// keys), and lookups only set a node's reference bit.

// lruListType is a node's list.
type lruListType uint8

const (
	lruActive lruListType = iota
	lruInactive
	lruFree
	lruLocalFree
	lruLocalPending
)

const (
	lruLocalFreeTarget  = 128 // LOCAL_FREE_TARGET
	lruLocalNrScans     = 128 // LOCAL_NR_SCANS
	lruPercpuFreeTarget = 4   // PERCPU_FREE_TARGET
	lruPercpuNrScans    = 4   // PERCPU_NR_SCANS
)

// lruPool hands out and takes back the nodes of an LRU map's elements:
// the common LRU (lruList) or one LRU per CPU (percpuLRU, for maps created
// with BPF_F_NO_COMMON_LRU).
type lruPool interface {
	popFree(cpu int) *lruNode
	pushFree(n *lruNode)
}

// lruNode is struct bpf_lru_node, with the key of the map element it
// belongs to when the element is in the map.
type lruNode struct {
	prev, next *lruNode
	typ        lruListType
	ref        bool
	cpu        int
	key        string
	inMap      bool
	head       bool // a list head, not a node
}

func newListHead() *lruNode {
	h := &lruNode{head: true}
	h.prev, h.next = h, h
	return h
}

func (n *lruNode) unlink() {
	n.prev.next, n.next.prev = n.next, n.prev
	n.prev, n.next = nil, nil
}

// addFront is list_add: n goes right after head.
func (n *lruNode) addFront(head *lruNode) {
	n.prev, n.next = head, head.next
	head.next.prev = n
	head.next = n
}

func (n *lruNode) moveFront(head *lruNode) {
	n.unlink()
	n.addFront(head)
}

type lruLocal struct {
	free, pending *lruNode
	nextSteal     int
}

// lruList is struct bpf_lru with its common list and per-CPU local lists.
type lruList struct {
	lists        [3]*lruNode // active, inactive, free
	counts       [2]int      // active, inactive
	nextInactive *lruNode    // next_inactive_rotation
	local        []lruLocal
	targetFree   int
	nrScans      int
	delFromMap   func(n *lruNode) bool
}

// newLRUList is bpf_lru_init and bpf_common_lru_populate: nodes free
// nodes for cpus possible CPUs.
func newLRUList(nodes, cpus int, delFromMap func(*lruNode) bool) *lruList {
	l := initLRUList(delFromMap, lruLocalNrScans)
	l.local = make([]lruLocal, cpus)
	for c := range l.local {
		l.local[c] = lruLocal{free: newListHead(), pending: newListHead(), nextSteal: c}
	}
	for range nodes {
		n := &lruNode{typ: lruFree}
		n.addFront(l.lists[lruFree])
	}
	l.targetFree = min(max(nodes/cpus/2, 1), lruLocalFreeTarget)
	return l
}

// initLRUList is bpf_lru_list_init.
func initLRUList(delFromMap func(*lruNode) bool, nrScans int) *lruList {
	l := &lruList{delFromMap: delFromMap, nrScans: nrScans}
	for i := range l.lists {
		l.lists[i] = newListHead()
	}
	l.nextInactive = l.lists[lruInactive]
	return l
}

func (l *lruList) countInc(t lruListType) {
	if t < lruFree {
		l.counts[t]++
	}
}

func (l *lruList) countDec(t lruListType) {
	if t < lruFree {
		l.counts[t]--
	}
}

// moveToFree is __bpf_lru_node_move_to_free.
func (l *lruList) moveToFree(n, freeList *lruNode, t lruListType) {
	if n == l.nextInactive {
		l.nextInactive = l.nextInactive.prev
	}
	l.countDec(n.typ)
	n.typ = t
	n.moveFront(freeList)
}

// moveIn is __bpf_lru_node_move_in (from a local list).
func (l *lruList) moveIn(n *lruNode, t lruListType) {
	l.countInc(t)
	n.typ = t
	n.ref = false
	n.moveFront(l.lists[t])
}

// move is __bpf_lru_node_move (between global lists).
func (l *lruList) move(n *lruNode, t lruListType) {
	if n.typ != t {
		l.countDec(n.typ)
		l.countInc(t)
		n.typ = t
	}
	n.ref = false
	if n == l.nextInactive {
		l.nextInactive = l.nextInactive.prev
	}
	n.moveFront(l.lists[t])
}

// reverse calls f on the nodes of list head from the tail, tolerating f
// moving the current node (list_for_each_entry_safe_reverse); f returns
// false to stop.
func reverse(head *lruNode, f func(n *lruNode) bool) {
	for n := head.prev; n != head; {
		prev := n.prev
		if !f(n) {
			return
		}
		n = prev
	}
}

func (l *lruList) rotateActive() {
	active := l.lists[lruActive]
	first := active.next
	i := 0
	reverse(active, func(n *lruNode) bool {
		if n.ref {
			l.move(n, lruActive)
		} else {
			l.move(n, lruInactive)
		}
		i++
		return i != l.nrScans && n != first
	})
}

func (l *lruList) rotateInactive() {
	inactive := l.lists[lruInactive]
	if inactive.next == inactive {
		return
	}
	last := l.nextInactive.next
	if last == inactive {
		last = last.next
	}
	cur, next := l.nextInactive, inactive
	for i := 0; i < l.nrScans; {
		if cur == inactive {
			cur = cur.prev
			continue
		}
		next = cur.prev
		if cur.ref {
			l.move(cur, lruActive)
		}
		if cur == last {
			break
		}
		cur = next
		i++
	}
	l.nextInactive = next
}

func (l *lruList) rotate() {
	if l.counts[lruInactive] < l.counts[lruActive] {
		l.rotateActive()
	}
	l.rotateInactive()
}

func (l *lruList) shrinkInactive(want int, freeList *lruNode, t lruListType) int {
	done, i := 0, 0
	reverse(l.lists[lruInactive], func(n *lruNode) bool {
		if n.ref {
			l.move(n, lruActive)
		} else if l.delFromMap(n) {
			l.moveToFree(n, freeList, t)
			if done++; done == want {
				return false
			}
		}
		i++
		return i != l.nrScans
	})
	return done
}

// shrink is __bpf_lru_list_shrink: evict up to want unreferenced inactive
// elements into freeList, or failing that one element regardless of
// reference bits.
func (l *lruList) shrink(want int, freeList *lruNode, t lruListType) {
	if l.shrinkInactive(want, freeList, t) > 0 {
		return
	}
	force := l.lists[lruInactive]
	if force.next == force {
		force = l.lists[lruActive]
	}
	reverse(force, func(n *lruNode) bool {
		if l.delFromMap(n) {
			l.moveToFree(n, freeList, t)
			return false
		}
		return true
	})
}

func (l *lruList) flush(loc *lruLocal) {
	reverse(loc.pending, func(n *lruNode) bool {
		if n.ref {
			l.moveIn(n, lruActive)
		} else {
			l.moveIn(n, lruInactive)
		}
		return true
	})
}

func (l *lruList) popFreeToLocal(loc *lruLocal) {
	l.flush(loc)
	l.rotate()
	nfree := 0
	for free := l.lists[lruFree]; free.next != free && nfree < l.targetFree; nfree++ {
		l.moveToFree(free.next, loc.free, lruLocalFree)
	}
	if nfree < l.targetFree {
		l.shrink(l.targetFree-nfree, loc.free, lruLocalFree)
	}
}

func popLocalFree(loc *lruLocal) *lruNode {
	if n := loc.free.next; n != loc.free {
		n.unlink()
		return n
	}
	return nil
}

func (l *lruList) popLocalPending(loc *lruLocal) *lruNode {
	for _, force := range []bool{false, true} {
		var found *lruNode
		reverse(loc.pending, func(n *lruNode) bool {
			if (!n.ref || force) && l.delFromMap(n) {
				found = n
				return false
			}
			return true
		})
		if found != nil {
			found.unlink()
			return found
		}
	}
	return nil
}

func (l *lruList) addPending(loc *lruLocal, cpu int, n *lruNode) {
	n.cpu, n.typ, n.ref = cpu, lruLocalPending, false
	n.addFront(loc.pending)
}

// popFree is bpf_common_lru_pop_free on cpu: a node for a new element, or
// nil when every node is in use and none can be evicted.
func (l *lruList) popFree(cpu int) *lruNode {
	loc := &l.local[cpu]
	n := popLocalFree(loc)
	if n == nil {
		l.popFreeToLocal(loc)
		n = popLocalFree(loc)
	}
	if n != nil {
		l.addPending(loc, cpu, n)
		return n
	}
	first := loc.nextSteal
	steal := first
	for {
		sl := &l.local[steal]
		n = popLocalFree(sl)
		if n == nil {
			n = l.popLocalPending(sl)
		}
		steal = (steal + 1) % len(l.local)
		if n != nil || steal == first {
			break
		}
	}
	loc.nextSteal = steal
	if n != nil {
		l.addPending(loc, cpu, n)
	}
	return n
}

// pushFree is bpf_common_lru_push_free: a node whose element left the map
// goes back to its CPU's local free list if still pending, else to the
// global free list.
func (l *lruList) pushFree(n *lruNode) {
	n.inMap, n.key = false, ""
	if n.typ == lruLocalPending {
		n.typ, n.ref = lruLocalFree, false
		n.moveFront(l.local[n.cpu].free)
		return
	}
	l.move(n, lruFree)
}

// percpuLRU is the LRU of maps created with BPF_F_NO_COMMON_LRU: one list
// per CPU, each with an equal share of the nodes, no local lists.
type percpuLRU struct {
	lists []*lruList
}

// newPercpuLRU is bpf_lru_init and bpf_percpu_lru_populate.
func newPercpuLRU(nodes, cpus int, delFromMap func(*lruNode) bool) *percpuLRU {
	p := &percpuLRU{}
	per := max(nodes/cpus, 1)
	made := 0
	for c := range cpus {
		l := initLRUList(delFromMap, lruPercpuNrScans)
		p.lists = append(p.lists, l)
		for k := 0; k < per && made < nodes; k++ {
			n := &lruNode{typ: lruFree, cpu: c}
			n.addFront(l.lists[lruFree])
			made++
		}
	}
	return p
}

// popFree is bpf_percpu_lru_pop_free: a node from this CPU's list.
func (p *percpuLRU) popFree(cpu int) *lruNode {
	l := p.lists[cpu]
	l.rotate()
	free := l.lists[lruFree]
	if free.next == free {
		l.shrink(lruPercpuFreeTarget, free, lruFree)
	}
	if free.next == free {
		return nil
	}
	n := free.next
	n.ref = false
	l.move(n, lruInactive)
	return n
}

// pushFree is bpf_percpu_lru_push_free.
func (p *percpuLRU) pushFree(n *lruNode) {
	n.inMap, n.key = false, ""
	p.lists[n.cpu].move(n, lruFree)
}
