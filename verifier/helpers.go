package verifier

import (
	"math"
	"syscall"

	"github.com/bpflab/bpflab/asm"
)

// argType is enum bpf_arg_type: a base kind and flags.
type argType uint16

// Argument kinds.
const (
	argDontCare argType = iota
	argConstMapPtr
	argPtrToMapKey
	argPtrToMapValue
	argPtrToMem
	argConstSize
	argConstSizeOrZero
	argPtrToCtx
	argAnything
	argPtrToSockCommon
	argPtrToBTFIDSockCommon
	argPtrToSocket
	argConstAllocSizeOrZero
	argPtrToRingbufMem
	argPtrToFunc
	argPtrToStackOrNull
	argBaseMask argType = 0xff
)

// Argument flags.
const (
	argMaybeNull argType = 1 << (8 + iota) // PTR_MAYBE_NULL
	argRdonly                              // MEM_RDONLY
	argUninit                              // MEM_UNINIT: the helper writes the memory
	argRelease                             // OBJ_RELEASE
)

// retType is enum bpf_return_type.
type retType uint8

const (
	retInteger retType = iota
	retVoid
	retPtrToMapValueOrNull
	retPtrToMapValue
	retPtrToSocketOrNull
	retPtrToSockCommonOrNull
	retPtrToTCPSockOrNull
	retPtrToRingbufMemOrNull
)

// funcProto is struct bpf_func_proto for the modelled helpers.
type funcProto struct {
	ret       retType
	args      [5]argType
	pktAccess bool // may take packet pointers
	gplOnly   bool
	acquire   bool // returns a reference that must be released
}

var protos = map[asm.Func]*funcProto{
	asm.BPF_FUNC_map_lookup_elem: {ret: retPtrToMapValueOrNull, args: [5]argType{argConstMapPtr, argPtrToMapKey}, pktAccess: true},
	asm.BPF_FUNC_map_update_elem: {args: [5]argType{argConstMapPtr, argPtrToMapKey, argPtrToMapValue, argAnything}, pktAccess: true},
	asm.BPF_FUNC_map_delete_elem: {args: [5]argType{argConstMapPtr, argPtrToMapKey}, pktAccess: true},
	asm.BPF_FUNC_map_push_elem:   {args: [5]argType{argConstMapPtr, argPtrToMapValue, argAnything}, pktAccess: true},
	asm.BPF_FUNC_map_pop_elem:    {args: [5]argType{argConstMapPtr, argPtrToMapValue | argUninit}},
	asm.BPF_FUNC_map_peek_elem:   {args: [5]argType{argConstMapPtr, argPtrToMapValue | argUninit}},
	asm.BPF_FUNC_map_lookup_percpu_elem: {ret: retPtrToMapValueOrNull, args: [5]argType{argConstMapPtr, argPtrToMapKey, argAnything},
		pktAccess: true},
	asm.BPF_FUNC_get_prandom_u32:         {},
	asm.BPF_FUNC_get_smp_processor_id:    {},
	asm.BPF_FUNC_get_numa_node_id:        {},
	asm.BPF_FUNC_ktime_get_ns:            {},
	asm.BPF_FUNC_ktime_get_boot_ns:       {},
	asm.BPF_FUNC_ktime_get_coarse_ns:     {},
	asm.BPF_FUNC_ktime_get_tai_ns:        {},
	asm.BPF_FUNC_jiffies64:               {},
	asm.BPF_FUNC_get_current_pid_tgid:    {},
	asm.BPF_FUNC_get_current_cgroup_id:   {},
	asm.BPF_FUNC_get_current_task:        {gplOnly: true},
	asm.BPF_FUNC_trace_printk:            {args: [5]argType{argPtrToMem | argRdonly, argConstSize}, gplOnly: true},
	asm.BPF_FUNC_tail_call:               {ret: retVoid, args: [5]argType{argPtrToCtx, argConstMapPtr, argAnything}},
	asm.BPF_FUNC_skb_store_bytes:         {args: [5]argType{argPtrToCtx, argAnything, argPtrToMem | argRdonly, argConstSize, argAnything}},
	asm.BPF_FUNC_l3_csum_replace:         {args: [5]argType{argPtrToCtx, argAnything, argAnything, argAnything, argAnything}},
	asm.BPF_FUNC_l4_csum_replace:         {args: [5]argType{argPtrToCtx, argAnything, argAnything, argAnything, argAnything}},
	asm.BPF_FUNC_clone_redirect:          {args: [5]argType{argPtrToCtx, argAnything, argAnything}},
	asm.BPF_FUNC_redirect:                {args: [5]argType{argAnything, argAnything}},
	asm.BPF_FUNC_skb_load_bytes:          {args: [5]argType{argPtrToCtx, argAnything, argPtrToMem | argUninit, argConstSize}},
	asm.BPF_FUNC_skb_load_bytes_relative: {args: [5]argType{argPtrToCtx, argAnything, argPtrToMem | argUninit, argConstSize, argAnything}},
	asm.BPF_FUNC_csum_diff: {args: [5]argType{argPtrToMem | argMaybeNull | argRdonly, argConstSizeOrZero,
		argPtrToMem | argMaybeNull | argRdonly, argConstSizeOrZero, argAnything}, pktAccess: true},
	asm.BPF_FUNC_csum_update:        {args: [5]argType{argPtrToCtx, argAnything}},
	asm.BPF_FUNC_perf_event_output:  {args: [5]argType{argPtrToCtx, argConstMapPtr, argAnything, argPtrToMem | argRdonly, argConstSizeOrZero}},
	asm.BPF_FUNC_xdp_adjust_head:    {args: [5]argType{argPtrToCtx, argAnything}},
	asm.BPF_FUNC_xdp_adjust_meta:    {args: [5]argType{argPtrToCtx, argAnything}},
	asm.BPF_FUNC_xdp_adjust_tail:    {args: [5]argType{argPtrToCtx, argAnything}},
	asm.BPF_FUNC_skb_change_tail:    {args: [5]argType{argPtrToCtx, argAnything, argAnything}},
	asm.BPF_FUNC_skb_change_head:    {args: [5]argType{argPtrToCtx, argAnything, argAnything}},
	asm.BPF_FUNC_skb_pull_data:      {args: [5]argType{argPtrToCtx, argAnything}},
	asm.BPF_FUNC_skb_vlan_push:      {args: [5]argType{argPtrToCtx, argAnything, argAnything}},
	asm.BPF_FUNC_skb_vlan_pop:       {args: [5]argType{argPtrToCtx}},
	asm.BPF_FUNC_skb_change_proto:   {args: [5]argType{argPtrToCtx, argAnything, argAnything}},
	asm.BPF_FUNC_skb_change_type:    {args: [5]argType{argPtrToCtx, argAnything}},
	asm.BPF_FUNC_skb_adjust_room:    {args: [5]argType{argPtrToCtx, argAnything, argAnything, argAnything}},
	asm.BPF_FUNC_redirect_map:       {args: [5]argType{argConstMapPtr, argAnything, argAnything}},
	asm.BPF_FUNC_get_socket_cookie:  {args: [5]argType{argPtrToCtx}},
	asm.BPF_FUNC_get_socket_uid:     {args: [5]argType{argPtrToCtx}},
	asm.BPF_FUNC_get_hash_recalc:    {args: [5]argType{argPtrToCtx}},
	asm.BPF_FUNC_get_cgroup_classid: {args: [5]argType{argPtrToCtx}},
	asm.BPF_FUNC_get_route_realm:    {args: [5]argType{argPtrToCtx}},
	asm.BPF_FUNC_set_hash_invalid:   {args: [5]argType{argPtrToCtx}},
	asm.BPF_FUNC_set_hash:           {args: [5]argType{argPtrToCtx, argAnything}},
	asm.BPF_FUNC_skb_under_cgroup:   {args: [5]argType{argPtrToCtx, argConstMapPtr, argAnything}},
	asm.BPF_FUNC_skb_cgroup_id:      {args: [5]argType{argPtrToCtx}},
	asm.BPF_FUNC_skb_ecn_set_ce:     {args: [5]argType{argPtrToCtx}},
	asm.BPF_FUNC_xdp_get_buff_len:   {args: [5]argType{argPtrToCtx}},
	asm.BPF_FUNC_sk_lookup_tcp: {ret: retPtrToSocketOrNull, acquire: true,
		args: [5]argType{argPtrToCtx, argPtrToMem | argRdonly, argConstSize, argAnything, argAnything}},
	asm.BPF_FUNC_sk_lookup_udp: {ret: retPtrToSocketOrNull, acquire: true,
		args: [5]argType{argPtrToCtx, argPtrToMem | argRdonly, argConstSize, argAnything, argAnything}},
	asm.BPF_FUNC_skc_lookup_tcp: {ret: retPtrToSockCommonOrNull, acquire: true,
		args: [5]argType{argPtrToCtx, argPtrToMem | argRdonly, argConstSize, argAnything, argAnything}},
	asm.BPF_FUNC_sk_release:        {args: [5]argType{argPtrToBTFIDSockCommon | argRelease}},
	asm.BPF_FUNC_sk_fullsock:       {ret: retPtrToSocketOrNull, args: [5]argType{argPtrToSockCommon}},
	asm.BPF_FUNC_tcp_sock:          {ret: retPtrToTCPSockOrNull, args: [5]argType{argPtrToSockCommon}},
	asm.BPF_FUNC_get_listener_sock: {ret: retPtrToSocketOrNull, args: [5]argType{argPtrToSockCommon}},
	asm.BPF_FUNC_get_local_storage: {ret: retPtrToMapValue, args: [5]argType{argConstMapPtr, argAnything}},
	asm.BPF_FUNC_ringbuf_output:    {args: [5]argType{argConstMapPtr, argPtrToMem | argRdonly, argConstSizeOrZero, argAnything}},
	asm.BPF_FUNC_ringbuf_reserve: {ret: retPtrToRingbufMemOrNull, acquire: true,
		args: [5]argType{argConstMapPtr, argConstAllocSizeOrZero, argAnything}},
	asm.BPF_FUNC_ringbuf_submit:  {ret: retVoid, args: [5]argType{argPtrToRingbufMem | argRelease, argAnything}},
	asm.BPF_FUNC_ringbuf_discard: {ret: retVoid, args: [5]argType{argPtrToRingbufMem | argRelease, argAnything}},
	asm.BPF_FUNC_ringbuf_query:   {args: [5]argType{argConstMapPtr, argAnything}},
	asm.BPF_FUNC_loop:            {args: [5]argType{argAnything, argPtrToFunc, argPtrToStackOrNull, argAnything}},
}

// Helper sets per program type (bpf_base_func_proto, bpf_sk_base_func_proto,
// sk_filter_func_proto, tc_cls_act_func_proto, xdp_func_proto,
// cg_skb_func_proto; v6.12) for a CAP_BPF+CAP_PERFMON loader.
var (
	baseHelpers = []asm.Func{
		asm.BPF_FUNC_map_lookup_elem, asm.BPF_FUNC_map_update_elem, asm.BPF_FUNC_map_delete_elem,
		asm.BPF_FUNC_map_push_elem, asm.BPF_FUNC_map_pop_elem, asm.BPF_FUNC_map_peek_elem,
		asm.BPF_FUNC_map_lookup_percpu_elem, asm.BPF_FUNC_get_prandom_u32, asm.BPF_FUNC_get_smp_processor_id,
		asm.BPF_FUNC_get_numa_node_id, asm.BPF_FUNC_tail_call, asm.BPF_FUNC_ktime_get_ns,
		asm.BPF_FUNC_ktime_get_boot_ns, asm.BPF_FUNC_ktime_get_tai_ns, asm.BPF_FUNC_ringbuf_output,
		asm.BPF_FUNC_ringbuf_reserve, asm.BPF_FUNC_ringbuf_submit, asm.BPF_FUNC_ringbuf_discard,
		asm.BPF_FUNC_ringbuf_query, asm.BPF_FUNC_strncmp, asm.BPF_FUNC_strtol, asm.BPF_FUNC_strtoul,
		asm.BPF_FUNC_get_current_pid_tgid, asm.BPF_FUNC_get_ns_current_pid_tgid,
		// CAP_BPF
		asm.BPF_FUNC_spin_lock, asm.BPF_FUNC_spin_unlock, asm.BPF_FUNC_jiffies64, asm.BPF_FUNC_per_cpu_ptr,
		asm.BPF_FUNC_this_cpu_ptr, asm.BPF_FUNC_timer_init, asm.BPF_FUNC_timer_set_callback,
		asm.BPF_FUNC_timer_start, asm.BPF_FUNC_timer_cancel, asm.BPF_FUNC_kptr_xchg,
		asm.BPF_FUNC_for_each_map_elem, asm.BPF_FUNC_loop, asm.BPF_FUNC_user_ringbuf_drain,
		asm.BPF_FUNC_ringbuf_reserve_dynptr, asm.BPF_FUNC_ringbuf_submit_dynptr,
		asm.BPF_FUNC_ringbuf_discard_dynptr, asm.BPF_FUNC_dynptr_from_mem, asm.BPF_FUNC_dynptr_read,
		asm.BPF_FUNC_dynptr_write, asm.BPF_FUNC_dynptr_data, asm.BPF_FUNC_cgrp_storage_get,
		asm.BPF_FUNC_cgrp_storage_delete, asm.BPF_FUNC_get_current_cgroup_id,
		asm.BPF_FUNC_get_current_ancestor_cgroup_id,
		// CAP_PERFMON
		asm.BPF_FUNC_trace_printk, asm.BPF_FUNC_get_current_task, asm.BPF_FUNC_get_current_task_btf,
		asm.BPF_FUNC_probe_read_user, asm.BPF_FUNC_probe_read_kernel, asm.BPF_FUNC_probe_read_user_str,
		asm.BPF_FUNC_probe_read_kernel_str, asm.BPF_FUNC_snprintf_btf, asm.BPF_FUNC_snprintf,
		asm.BPF_FUNC_task_pt_regs, asm.BPF_FUNC_trace_vprintk,
	}
	skBaseHelpers = []asm.Func{
		asm.BPF_FUNC_skc_to_tcp6_sock, asm.BPF_FUNC_skc_to_tcp_sock, asm.BPF_FUNC_skc_to_tcp_timewait_sock,
		asm.BPF_FUNC_skc_to_tcp_request_sock, asm.BPF_FUNC_skc_to_udp6_sock, asm.BPF_FUNC_skc_to_unix_sock,
		asm.BPF_FUNC_skc_to_mptcp_sock, asm.BPF_FUNC_ktime_get_coarse_ns,
	}
	skFilterHelpers = []asm.Func{
		asm.BPF_FUNC_skb_load_bytes, asm.BPF_FUNC_skb_load_bytes_relative, asm.BPF_FUNC_get_socket_cookie,
		asm.BPF_FUNC_get_socket_uid, asm.BPF_FUNC_perf_event_output,
	}
	cgSkbHelpers = []asm.Func{
		asm.BPF_FUNC_sk_fullsock, asm.BPF_FUNC_sk_storage_get, asm.BPF_FUNC_sk_storage_delete,
		asm.BPF_FUNC_perf_event_output, asm.BPF_FUNC_skb_cgroup_id, asm.BPF_FUNC_skb_ancestor_cgroup_id,
		asm.BPF_FUNC_sk_cgroup_id, asm.BPF_FUNC_sk_ancestor_cgroup_id, asm.BPF_FUNC_sk_lookup_tcp,
		asm.BPF_FUNC_sk_lookup_udp, asm.BPF_FUNC_sk_release, asm.BPF_FUNC_skc_lookup_tcp, asm.BPF_FUNC_tcp_sock,
		asm.BPF_FUNC_get_listener_sock, asm.BPF_FUNC_skb_ecn_set_ce, asm.BPF_FUNC_get_local_storage,
	}
	tcHelpers = []asm.Func{
		asm.BPF_FUNC_skb_store_bytes, asm.BPF_FUNC_skb_load_bytes, asm.BPF_FUNC_skb_load_bytes_relative,
		asm.BPF_FUNC_skb_pull_data, asm.BPF_FUNC_csum_diff, asm.BPF_FUNC_csum_update, asm.BPF_FUNC_csum_level,
		asm.BPF_FUNC_l3_csum_replace, asm.BPF_FUNC_l4_csum_replace, asm.BPF_FUNC_clone_redirect,
		asm.BPF_FUNC_get_cgroup_classid, asm.BPF_FUNC_skb_vlan_push, asm.BPF_FUNC_skb_vlan_pop,
		asm.BPF_FUNC_skb_change_proto, asm.BPF_FUNC_skb_change_type, asm.BPF_FUNC_skb_adjust_room,
		asm.BPF_FUNC_skb_change_tail, asm.BPF_FUNC_skb_change_head, asm.BPF_FUNC_skb_get_tunnel_key,
		asm.BPF_FUNC_skb_set_tunnel_key, asm.BPF_FUNC_skb_get_tunnel_opt, asm.BPF_FUNC_skb_set_tunnel_opt,
		asm.BPF_FUNC_redirect, asm.BPF_FUNC_redirect_neigh, asm.BPF_FUNC_redirect_peer,
		asm.BPF_FUNC_get_route_realm, asm.BPF_FUNC_get_hash_recalc, asm.BPF_FUNC_set_hash_invalid,
		asm.BPF_FUNC_set_hash, asm.BPF_FUNC_perf_event_output, asm.BPF_FUNC_get_smp_processor_id,
		asm.BPF_FUNC_skb_under_cgroup, asm.BPF_FUNC_get_socket_cookie, asm.BPF_FUNC_get_socket_uid,
		asm.BPF_FUNC_fib_lookup, asm.BPF_FUNC_check_mtu, asm.BPF_FUNC_sk_fullsock, asm.BPF_FUNC_sk_storage_get,
		asm.BPF_FUNC_sk_storage_delete, asm.BPF_FUNC_skb_get_xfrm_state, asm.BPF_FUNC_skb_cgroup_classid,
		asm.BPF_FUNC_skb_cgroup_id, asm.BPF_FUNC_skb_ancestor_cgroup_id, asm.BPF_FUNC_sk_lookup_tcp,
		asm.BPF_FUNC_sk_lookup_udp, asm.BPF_FUNC_sk_release, asm.BPF_FUNC_tcp_sock, asm.BPF_FUNC_get_listener_sock,
		asm.BPF_FUNC_skc_lookup_tcp, asm.BPF_FUNC_tcp_check_syncookie, asm.BPF_FUNC_skb_ecn_set_ce,
		asm.BPF_FUNC_tcp_gen_syncookie, asm.BPF_FUNC_sk_assign, asm.BPF_FUNC_skb_set_tstamp,
		asm.BPF_FUNC_tcp_raw_gen_syncookie_ipv4, asm.BPF_FUNC_tcp_raw_gen_syncookie_ipv6,
		asm.BPF_FUNC_tcp_raw_check_syncookie_ipv4, asm.BPF_FUNC_tcp_raw_check_syncookie_ipv6,
	}
	xdpHelpers = []asm.Func{
		asm.BPF_FUNC_perf_event_output, asm.BPF_FUNC_get_smp_processor_id, asm.BPF_FUNC_csum_diff,
		asm.BPF_FUNC_xdp_adjust_head, asm.BPF_FUNC_xdp_adjust_meta, asm.BPF_FUNC_redirect,
		asm.BPF_FUNC_redirect_map, asm.BPF_FUNC_xdp_adjust_tail, asm.BPF_FUNC_xdp_get_buff_len,
		asm.BPF_FUNC_xdp_load_bytes, asm.BPF_FUNC_xdp_store_bytes, asm.BPF_FUNC_fib_lookup,
		asm.BPF_FUNC_check_mtu, asm.BPF_FUNC_sk_lookup_udp, asm.BPF_FUNC_sk_lookup_tcp, asm.BPF_FUNC_sk_release,
		asm.BPF_FUNC_skc_lookup_tcp, asm.BPF_FUNC_tcp_check_syncookie, asm.BPF_FUNC_tcp_gen_syncookie,
		asm.BPF_FUNC_tcp_raw_gen_syncookie_ipv4, asm.BPF_FUNC_tcp_raw_gen_syncookie_ipv6,
		asm.BPF_FUNC_tcp_raw_check_syncookie_ipv4, asm.BPF_FUNC_tcp_raw_check_syncookie_ipv6,
	}
)

func helperSet(lists ...[]asm.Func) map[int32]bool {
	m := map[int32]bool{}
	for _, l := range lists {
		for _, f := range l {
			m[int32(f)] = true
		}
	}
	return m
}

// capHelpers are the helpers bpf_base_func_proto offers only with CAP_BPF
// or CAP_PERFMON.
var capHelpers = func() map[asm.Func]bool {
	m := map[asm.Func]bool{}
	start := false
	for _, f := range baseHelpers {
		if f == asm.BPF_FUNC_spin_lock {
			start = true
		}
		if start {
			m[f] = true
		}
	}
	return m
}()

var progInfos = map[string]*progInfo{
	"none":          {retMin: 1, helpers: helperSet(baseHelpers)},
	"socket_filter": {retMin: 1, ldAbs: true, helpers: helperSet(baseHelpers, skBaseHelpers, skFilterHelpers)},
	"sched_cls":     {retMin: 1, ldAbs: true, pktRead: true, pktWrite: true, helpers: helperSet(baseHelpers, skBaseHelpers, tcHelpers)},
	"sched_act":     {retMin: 1, ldAbs: true, pktRead: true, pktWrite: true, helpers: helperSet(baseHelpers, skBaseHelpers, tcHelpers)},
	"xdp":           {retMin: 1, pktRead: true, pktWrite: true, helpers: helperSet(baseHelpers, skBaseHelpers, xdpHelpers)},
	"cgroup_skb": {retMin: 0, retMax: 1, ldAbs: true, pktRead: true,
		helpers: helperSet(baseHelpers, skBaseHelpers, skFilterHelpers, cgSkbHelpers)},
}

// changesPktData is bpf_helper_changes_pkt_data: helpers after which every
// packet pointer must be re-derived.
var changesPktData = map[asm.Func]bool{
	asm.BPF_FUNC_skb_vlan_push: true, asm.BPF_FUNC_skb_vlan_pop: true, asm.BPF_FUNC_skb_store_bytes: true,
	asm.BPF_FUNC_skb_change_proto: true, asm.BPF_FUNC_skb_change_head: true, asm.BPF_FUNC_skb_change_tail: true,
	asm.BPF_FUNC_skb_adjust_room: true, asm.BPF_FUNC_skb_pull_data: true, asm.BPF_FUNC_clone_redirect: true,
	asm.BPF_FUNC_l3_csum_replace: true, asm.BPF_FUNC_l4_csum_replace: true, asm.BPF_FUNC_xdp_adjust_head: true,
	asm.BPF_FUNC_xdp_adjust_meta: true, asm.BPF_FUNC_xdp_adjust_tail: true, asm.BPF_FUNC_msg_pull_data: true,
	asm.BPF_FUNC_msg_push_data: true, asm.BPF_FUNC_msg_pop_data: true, asm.BPF_FUNC_lwt_push_encap: true,
	asm.BPF_FUNC_lwt_seg6_store_bytes: true, asm.BPF_FUNC_lwt_seg6_adjust_srh: true,
	asm.BPF_FUNC_lwt_seg6_action: true, asm.BPF_FUNC_xdp_store_bytes: true,
}

// funcIDName is func_id_name: "bpf_map_lookup_elem", or "unknown".
func funcIDName(id int32) string {
	f := asm.Func(id)
	if id == 0 {
		return "bpf_unspec"
	}
	if !f.Known() {
		return "unknown"
	}
	return f.String()
}

// maxFuncID is __BPF_FUNC_MAX_ID for the running kernel.
const maxFuncID = 212

// callArgMeta is struct bpf_call_arg_meta.
type callArgMeta struct {
	mapIdx     int
	haveMap    bool
	rawMode    bool
	refObjID   uint32
	releaseReg int
	memSize    int
	pktAccess  bool
	constKey   int64 // the map key when known (get_constant_map_key), else -1
}

// checkHelperCall is check_helper_call (v6.12) for the modelled helpers.
func (v *verifier) checkHelperCall(ins asm.Insn) *Error {
	id := ins.Imm
	if id < 0 || id >= maxFuncID {
		return v.reject(syscall.EINVAL, "invalid func %s#%d", funcIDName(id), id)
	}
	if !v.info().helpers[id] || (!v.bpfCapable && capHelpers[asm.Func(id)]) {
		return v.reject(syscall.EINVAL, "program of this type cannot use helper %s#%d", funcIDName(id), id)
	}
	fn, ok := protos[asm.Func(id)]
	if !ok {
		return v.reject(syscall.ENOTSUP, "helper %s#%d is not modelled by bpflab's verifier", funcIDName(id), id)
	}
	if !v.gpl && fn.gplOnly {
		return v.reject(syscall.EINVAL, "cannot call GPL-restricted function from non-GPL compatible program")
	}
	meta := callArgMeta{pktAccess: fn.pktAccess, constKey: -1}
	for i := 0; i < 5; i++ {
		if e := v.checkFuncArg(i, fn, &meta); e != nil {
			return e
		}
	}
	if meta.haveMap {
		if e := v.checkMapFuncCompatibility(meta.mapIdx, asm.Func(id)); e != nil {
			return e
		}
	}
	regs := &v.st.cur().regs
	if meta.releaseReg != 0 {
		if meta.refObjID != 0 {
			v.releaseReference(meta.refObjID)
		} else if !regs[meta.releaseReg].isNull() {
			return v.reject(syscall.EINVAL, "func %s#%d reference has not been acquired before", funcIDName(id), id)
		}
	}
	if asm.Func(id) == asm.BPF_FUNC_tail_call && len(v.st.refs) > 0 {
		return v.reject(syscall.EINVAL, "tail_call would lead to reference leak")
	}
	if asm.Func(id) == asm.BPF_FUNC_loop {
		if e := v.pushCallbackCall(); e != nil {
			return e
		}
	}
	for r := asm.BPF_REG_1; r <= asm.BPF_REG_5; r++ {
		regs[r] = regState{typ: NotInit}
	}
	r0 := &regs[asm.BPF_REG_0]
	switch fn.ret {
	case retInteger:
		r0.markUnknown()
	case retVoid:
		*r0 = regState{typ: NotInit}
	case retPtrToMapValueOrNull, retPtrToMapValue:
		if !meta.haveMap {
			return v.reject(syscall.EINVAL, "kernel subsystem misconfigured verifier")
		}
		*r0 = regState{}
		r0.markKnownZero()
		r0.typ = PtrToMapValue
		r0.mapIdx = meta.mapIdx
		if fn.ret == retPtrToMapValueOrNull {
			r0.maybeNull = true
			// 6.18 knows that an array lookup with a constant key in range
			// cannot fail.
			m := v.opts.Maps[meta.mapIdx]
			if asm.Func(id) == asm.BPF_FUNC_map_lookup_elem && canElideValueNullness(m.Type) &&
				meta.constKey >= 0 && meta.constKey < int64(m.MaxEntries) {
				r0.maybeNull = false
			}
		}
	case retPtrToRingbufMemOrNull:
		*r0 = regState{}
		r0.markKnownZero()
		r0.typ = PtrToMem
		r0.ringbuf = true
		r0.maybeNull = true
		r0.memSize = meta.memSize
	case retPtrToSocketOrNull, retPtrToSockCommonOrNull, retPtrToTCPSockOrNull:
		*r0 = regState{}
		r0.markKnownZero()
		r0.typ = map[retType]regType{retPtrToSocketOrNull: PtrToSocket, retPtrToSockCommonOrNull: PtrToSockCommon,
			retPtrToTCPSockOrNull: PtrToTCPSock}[fn.ret]
		r0.maybeNull = true
	}
	if r0.maybeNull {
		v.idGen++
		r0.id = v.idGen
	}
	if fn.acquire {
		v.idGen++
		ref := v.idGen
		v.st.refs = append(v.st.refs, reference{id: ref, insnIdx: v.insnIdx})
		r0.id = ref
		r0.refObjID = ref
	} else if meta.refObjID != 0 && (fn.ret == retPtrToSocketOrNull || fn.ret == retPtrToTCPSockOrNull) {
		// sk_fullsock and tcp_sock keep the reference of their argument.
		r0.refObjID = meta.refObjID
	}
	if changesPktData[asm.Func(id)] {
		v.clearAllPktPointers()
	}
	v.scratchRegs |= 1
	return nil
}

// compatible lists the register types each argument kind accepts
// (compatible_reg_types), in the kernel's order for the error message.
var compatible = map[argType][]string{
	argPtrToMapKey:          {"fp", "pkt", "pkt_meta", "map_key", "map_value", "mem", "ringbuf_mem", "buf", "rdonly_buf", "arena"},
	argPtrToMapValue:        {"fp", "pkt", "pkt_meta", "map_key", "map_value", "mem", "ringbuf_mem", "buf", "rdonly_buf", "arena"},
	argPtrToMem:             {"fp", "pkt", "pkt_meta", "map_key", "map_value", "mem", "ringbuf_mem", "buf", "trusted_ptr_"},
	argConstSize:            {"scalar"},
	argConstSizeOrZero:      {"scalar"},
	argConstAllocSizeOrZero: {"scalar"},
	argAnything:             {"scalar"},
	argConstMapPtr:          {"map_ptr"},
	argPtrToCtx:             {"ctx"},
	argPtrToSockCommon:      {"sock_common", "sock", "tcp_sock", "xdp_sock"},
	argPtrToBTFIDSockCommon: {"sock_common", "sock", "tcp_sock", "xdp_sock", "ptr_", "trusted_ptr_"},
	argPtrToSocket:          {"sock"},
	argPtrToRingbufMem:      {"ringbuf_mem"},
	argPtrToFunc:            {"func"},
	argPtrToStackOrNull:     {"fp"},
}

// checkFuncArg is check_func_arg (v6.12) for argument i (register i+1).
func (v *verifier) checkFuncArg(i int, fn *funcProto, meta *callArgMeta) *Error {
	at := fn.args[i]
	base := at & argBaseMask
	if base == argDontCare {
		return nil
	}
	regno := asm.Reg(i + 1)
	if e := v.checkRegArgE(regno, srcOp); e != nil {
		return e
	}
	regs := &v.st.cur().regs
	reg := &regs[regno]
	if base == argAnything {
		if v.isPointerValue(regno) {
			return v.reject(syscall.EACCES, "R%d leaks addr into helper function", regno)
		}
		return nil
	}
	if reg.isPkt() && !meta.pktAccess {
		return v.reject(syscall.EACCES, "helper access to the packet is not allowed")
	}
	if base == argPtrToStackOrNull && reg.isNull() {
		return nil
	}
	if !(reg.isNull() && at&argMaybeNull != 0) {
		if e := v.checkRegType(regno, at); e != nil {
			return e
		}
		if e := v.checkFuncArgRegOff(reg, regno, at); e != nil {
			return e
		}
	}
	if at&argRelease != 0 {
		if reg.refObjID == 0 && !reg.isNull() {
			return v.reject(syscall.EINVAL, "R%d must be referenced when passed to release function", regno)
		}
		meta.releaseReg = int(regno)
	}
	if reg.refObjID != 0 {
		meta.refObjID = reg.refObjID
	}
	switch base {
	case argConstMapPtr:
		meta.mapIdx = reg.mapIdx
		meta.haveMap = true
	case argPtrToMapKey:
		if !meta.haveMap {
			return v.reject(syscall.EACCES, "invalid map_ptr to access map->key")
		}
		m := v.opts.Maps[meta.mapIdx]
		if e := v.checkHelperMemAccess(regno, int(m.KeySize), false, false, false); e != nil {
			return e
		}
		if canElideValueNullness(m.Type) {
			meta.constKey = v.constantMapKey(reg, int(m.KeySize))
		}
	case argPtrToMapValue:
		if at&argMaybeNull != 0 && reg.isNull() {
			return nil
		}
		if !meta.haveMap {
			return v.reject(syscall.EACCES, "invalid map_ptr to access map->value")
		}
		return v.checkHelperMemAccess(regno, int(v.opts.Maps[meta.mapIdx].ValueSize), at&argUninit != 0, false, at&argUninit != 0)
	case argPtrToMem:
		meta.rawMode = at&argUninit != 0
	case argConstSize, argConstSizeOrZero:
		return v.checkMemSizeReg(reg, regno, base == argConstSizeOrZero, fn.args[i-1], meta)
	case argConstAllocSizeOrZero:
		if !reg.varOff.IsConst() {
			return v.reject(syscall.EACCES, "R%d is not a known constant'", regno)
		}
		meta.memSize = int(reg.varOff.Value)
	}
	return nil
}

// canElideValueNullness is can_elide_value_nullness (v6.18): maps whose
// lookups with an in-range key always succeed.
func canElideValueNullness(t asm.MapType) bool {
	return t == asm.BPF_MAP_TYPE_ARRAY || t == asm.BPF_MAP_TYPE_PERCPU_ARRAY
}

// constantMapKey is get_constant_map_key (v6.18): the key a stack pointer
// points to when it is known, from STACK_ZERO bytes or a constant scalar
// spilled with exactly the key's size; -1 otherwise.
func (v *verifier) constantMapKey(key *regState, keySize int) int64 {
	if !v.bpfCapable || key.typ != PtrToStack || !key.varOff.IsConst() {
		return -1
	}
	stackOff := int(key.off) + int(int64(key.varOff.Value))
	slot := -stackOff - 1
	spi, off := slot/8, slot%8
	f := v.stackFrame(key)
	if slot < 0 || spi >= len(f.stack) {
		return -1
	}
	sl := &f.stack[spi]
	zero := 0
	for i := off; i >= 0 && sl.kind[i] == stackZero; i-- {
		zero++
	}
	if zero >= keySize {
		return 0
	}
	if !sl.isSpilledScalar() {
		return -1
	}
	spill := 0
	for i := off; i >= 0 && sl.kind[i] == stackSpill; i-- {
		spill++
	}
	if spill != keySize || !sl.spilled.varOff.IsConst() {
		return -1
	}
	return int64(sl.spilled.varOff.Value)
}

// checkRegType is check_reg_type: the register's type must be one the
// argument kind accepts.
func (v *verifier) checkRegType(regno asm.Reg, at argType) *Error {
	reg := &v.st.cur().regs[regno]
	list := compatible[at&argBaseMask]
	t := *reg
	if at&argRdonly != 0 {
		t.rdonly = false
	}
	if at&argMaybeNull != 0 {
		t.maybeNull = false
	}
	name := t.typeStr()
	for _, c := range list {
		if c == name {
			return nil
		}
	}
	msg := ""
	for j, c := range list {
		if j > 0 {
			msg += ", "
		}
		msg += c
	}
	return v.reject(syscall.EACCES, "R%d type=%s expected=%s", regno, reg.typeStr(), msg)
}

// checkFuncArgRegOff is check_func_arg_reg_off: the context and sockets
// must be passed unmodified; memory may carry a fixed offset.
func (v *verifier) checkFuncArgRegOff(reg *regState, regno asm.Reg, at argType) *Error {
	if at&argRelease != 0 && (reg.off != 0 || !reg.varOff.EqualsConst(0)) {
		return v.reject(syscall.EINVAL, "R%d must have zero offset when passed to release func or trusted arg to kfunc", regno)
	}
	switch reg.typ {
	case PtrToStack, PtrToPacket, PtrToPacketMeta, PtrToMapKey, PtrToMapValue, PtrToMem:
		return nil
	}
	if reg.isPointer() {
		return v.checkPtrOffReg(reg, regno)
	}
	return nil
}

// maxVarSiz is BPF_MAX_VAR_SIZ.
const maxVarSiz = 1 << 29

// checkMemSizeReg is check_mem_size_reg (v6.12): the size argument after a
// memory argument, checked through its bounds.
func (v *verifier) checkMemSizeReg(reg *regState, regno asm.Reg, zeroOK bool, memArg argType, meta *callArgMeta) *Error {
	raw := meta.rawMode
	if !reg.varOff.IsConst() {
		raw = false
	}
	if reg.smin < 0 {
		return v.reject(syscall.EACCES, "R%d min value is negative, either use unsigned or 'var &= const'", regno)
	}
	if reg.umin == 0 && !zeroOK {
		return v.reject(syscall.EACCES, "R%d invalid zero-sized read: u64=[%d,%d]", regno, reg.umin, reg.umax)
	}
	if reg.umax >= maxVarSiz {
		return v.reject(syscall.EACCES, "R%d unbounded memory access, use 'var &= const' or 'if (var < const)'", regno)
	}
	meta.memSize = int(reg.umax)
	return v.checkHelperMemAccess(regno-1, int(reg.umax), memArg&argUninit != 0, zeroOK, raw)
}

// checkHelperMemAccess is check_helper_mem_access (v6.12): size bytes at
// the pointer in regno, read by the helper (or written when write).
func (v *verifier) checkHelperMemAccess(regno asm.Reg, size int, write, zeroOK, raw bool) *Error {
	reg := &v.st.cur().regs[regno]
	switch reg.typ {
	case PtrToPacket, PtrToPacketMeta:
		return v.checkPacketAccess(regno, int(reg.off), size, zeroOK)
	case PtrToMapKey:
		if write {
			return v.reject(syscall.EACCES, "R%d cannot write into %s", regno, reg.typeStr())
		}
		return v.checkMemRegionAccess(regno, int(reg.off), size, int(v.opts.Maps[reg.mapIdx].KeySize), false)
	case PtrToMapValue:
		if e := v.checkMapAccessType(regno, int(reg.off), size, write); e != nil {
			return e
		}
		return v.checkMapAccess(regno, int(reg.off), size, zeroOK)
	case PtrToMem:
		if reg.rdonly && write {
			return v.reject(syscall.EACCES, "R%d cannot write into %s", regno, reg.typeStr())
		}
		return v.checkMemRegionAccess(regno, int(reg.off), size, reg.memSize, zeroOK)
	case PtrToStack:
		return v.checkStackRangeInitialized(regno, int(reg.off), size, zeroOK, raw)
	}
	if zeroOK && size == 0 && reg.isNull() {
		return nil
	}
	return v.reject(syscall.EACCES, "R%d type=%s expected=fp", regno, reg.typeStr())
}

// checkMapFuncCompatibility is check_map_func_compatibility for the
// modelled map types and helpers.
func (v *verifier) checkMapFuncCompatibility(mapIdx int, fn asm.Func) *Error {
	m := v.opts.Maps[mapIdx]
	bad := false
	switch m.Type {
	case asm.BPF_MAP_TYPE_PROG_ARRAY:
		bad = fn != asm.BPF_FUNC_tail_call
	case asm.BPF_MAP_TYPE_PERF_EVENT_ARRAY:
		bad = fn != asm.BPF_FUNC_perf_event_read && fn != asm.BPF_FUNC_perf_event_output &&
			fn != asm.BPF_FUNC_skb_output && fn != asm.BPF_FUNC_perf_event_read_value && fn != asm.BPF_FUNC_xdp_output
	case asm.BPF_MAP_TYPE_CGROUP_ARRAY:
		bad = fn != asm.BPF_FUNC_skb_under_cgroup && fn != asm.BPF_FUNC_current_task_under_cgroup
	case asm.BPF_MAP_TYPE_DEVMAP, asm.BPF_MAP_TYPE_DEVMAP_HASH, asm.BPF_MAP_TYPE_CPUMAP:
		bad = fn != asm.BPF_FUNC_redirect_map && fn != asm.BPF_FUNC_map_lookup_elem
	case asm.BPF_MAP_TYPE_XSKMAP:
		bad = fn != asm.BPF_FUNC_redirect_map && fn != asm.BPF_FUNC_map_lookup_elem
	case asm.BPF_MAP_TYPE_QUEUE, asm.BPF_MAP_TYPE_STACK:
		bad = fn != asm.BPF_FUNC_map_peek_elem && fn != asm.BPF_FUNC_map_pop_elem && fn != asm.BPF_FUNC_map_push_elem
	case asm.BPF_MAP_TYPE_CGROUP_STORAGE, asm.BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
		bad = fn != asm.BPF_FUNC_get_local_storage
	case asm.BPF_MAP_TYPE_RINGBUF:
		bad = fn != asm.BPF_FUNC_ringbuf_output && fn != asm.BPF_FUNC_ringbuf_reserve && fn != asm.BPF_FUNC_ringbuf_query &&
			fn != asm.BPF_FUNC_ringbuf_reserve_dynptr && fn != asm.BPF_FUNC_ringbuf_submit_dynptr && fn != asm.BPF_FUNC_ringbuf_discard_dynptr
	case asm.BPF_MAP_TYPE_SOCKMAP, asm.BPF_MAP_TYPE_SOCKHASH:
		bad = fn != asm.BPF_FUNC_sk_redirect_map && fn != asm.BPF_FUNC_sock_map_update && fn != asm.BPF_FUNC_map_delete_elem &&
			fn != asm.BPF_FUNC_msg_redirect_map && fn != asm.BPF_FUNC_sk_select_reuseport && fn != asm.BPF_FUNC_map_lookup_elem &&
			fn != asm.BPF_FUNC_map_update_elem && fn != asm.BPF_FUNC_sk_redirect_hash && fn != asm.BPF_FUNC_msg_redirect_hash &&
			fn != asm.BPF_FUNC_sock_hash_update
	}
	switch fn {
	case asm.BPF_FUNC_tail_call:
		bad = bad || m.Type != asm.BPF_MAP_TYPE_PROG_ARRAY
	case asm.BPF_FUNC_perf_event_read, asm.BPF_FUNC_perf_event_output, asm.BPF_FUNC_perf_event_read_value, asm.BPF_FUNC_skb_output, asm.BPF_FUNC_xdp_output:
		bad = bad || m.Type != asm.BPF_MAP_TYPE_PERF_EVENT_ARRAY
	case asm.BPF_FUNC_get_local_storage:
		bad = bad || (m.Type != asm.BPF_MAP_TYPE_CGROUP_STORAGE && m.Type != asm.BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE)
	case asm.BPF_FUNC_redirect_map:
		bad = bad || (m.Type != asm.BPF_MAP_TYPE_DEVMAP && m.Type != asm.BPF_MAP_TYPE_DEVMAP_HASH &&
			m.Type != asm.BPF_MAP_TYPE_CPUMAP && m.Type != asm.BPF_MAP_TYPE_XSKMAP)
	case asm.BPF_FUNC_skb_under_cgroup:
		bad = bad || m.Type != asm.BPF_MAP_TYPE_CGROUP_ARRAY
	case asm.BPF_FUNC_map_pop_elem, asm.BPF_FUNC_map_push_elem, asm.BPF_FUNC_map_peek_elem:
		bad = bad || (m.Type != asm.BPF_MAP_TYPE_QUEUE && m.Type != asm.BPF_MAP_TYPE_STACK && m.Type != asm.BPF_MAP_TYPE_BLOOM_FILTER)
	}
	if bad {
		return v.reject(syscall.EINVAL, "cannot pass map_type %d into func %s#%d", m.Type, funcIDName(int32(fn)), int32(fn))
	}
	return nil
}

// releaseReference drops an acquired reference and invalidates every
// register that carries it (release_reference).
func (v *verifier) releaseReference(id uint32) {
	v.st.releaseReferenceState(id)
	forEachReg(v.st, func(r *regState) {
		if r.refObjID == id {
			if v.allowPtrLeaks {
				r.markUnknown()
			} else {
				*r = regState{typ: NotInit}
			}
		}
	})
}

func (s *state) releaseReferenceState(id uint32) {
	for i, r := range s.refs {
		if r.id == id {
			s.refs = append(s.refs[:i], s.refs[i+1:]...)
			return
		}
	}
}

// checkReferenceLeak is check_reference_leak: at the main program's exit
// every acquired reference must have been released.
func (v *verifier) checkReferenceLeak() *Error {
	if len(v.st.frames) > 1 || len(v.st.refs) == 0 {
		return nil
	}
	for _, r := range v.st.refs[:len(v.st.refs)-1] {
		v.logf("Unreleased reference id=%d alloc_insn=%d", r.id, r.insnIdx)
	}
	last := v.st.refs[len(v.st.refs)-1]
	return v.reject(syscall.EINVAL, "Unreleased reference id=%d alloc_insn=%d", last.id, last.insnIdx)
}

// checkReturnCode is check_return_code (v6.12) at the main program's exit.
func (v *verifier) checkReturnCode() *Error {
	if e := v.checkRegArgE(asm.BPF_REG_0, srcOp); e != nil {
		return e
	}
	if v.isPointerValue(asm.BPF_REG_0) {
		return v.reject(syscall.EACCES, "R0 leaks addr as return value")
	}
	pi := v.info()
	if pi.retMin > pi.retMax {
		return nil
	}
	r0 := &v.st.cur().regs[asm.BPF_REG_0]
	if r0.typ != ScalarValue {
		return v.reject(syscall.EINVAL, "At program exit the register R0 is not a known value (%s)", r0.typeStr())
	}
	if pi.retMin <= r0.smin && r0.smax <= pi.retMax {
		return nil
	}
	msg := "At program exit the register R0 has"
	unknown := true
	if r0.smin > math.MinInt64 {
		msg += " smin=" + itoa64(r0.smin)
		unknown = false
	}
	if r0.smax < math.MaxInt64 {
		msg += " smax=" + itoa64(r0.smax)
		unknown = false
	}
	if unknown {
		msg += " unknown scalar value"
	}
	return v.reject(syscall.EINVAL, "%s should have been in [%d, %d]", msg, pi.retMin, pi.retMax)
}
