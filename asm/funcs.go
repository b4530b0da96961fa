package asm

// Func is a kernel helper id, the immediate of a helper call.
type Func int32

// Kernel helper ids from include/uapi/linux/bpf.h (v6.12, ___BPF_FUNC_MAPPER).
const (
	BPF_FUNC_unspec                         Func = 0
	BPF_FUNC_map_lookup_elem                Func = 1
	BPF_FUNC_map_update_elem                Func = 2
	BPF_FUNC_map_delete_elem                Func = 3
	BPF_FUNC_probe_read                     Func = 4
	BPF_FUNC_ktime_get_ns                   Func = 5
	BPF_FUNC_trace_printk                   Func = 6
	BPF_FUNC_get_prandom_u32                Func = 7
	BPF_FUNC_get_smp_processor_id           Func = 8
	BPF_FUNC_skb_store_bytes                Func = 9
	BPF_FUNC_l3_csum_replace                Func = 10
	BPF_FUNC_l4_csum_replace                Func = 11
	BPF_FUNC_tail_call                      Func = 12
	BPF_FUNC_clone_redirect                 Func = 13
	BPF_FUNC_get_current_pid_tgid           Func = 14
	BPF_FUNC_get_current_uid_gid            Func = 15
	BPF_FUNC_get_current_comm               Func = 16
	BPF_FUNC_get_cgroup_classid             Func = 17
	BPF_FUNC_skb_vlan_push                  Func = 18
	BPF_FUNC_skb_vlan_pop                   Func = 19
	BPF_FUNC_skb_get_tunnel_key             Func = 20
	BPF_FUNC_skb_set_tunnel_key             Func = 21
	BPF_FUNC_perf_event_read                Func = 22
	BPF_FUNC_redirect                       Func = 23
	BPF_FUNC_get_route_realm                Func = 24
	BPF_FUNC_perf_event_output              Func = 25
	BPF_FUNC_skb_load_bytes                 Func = 26
	BPF_FUNC_get_stackid                    Func = 27
	BPF_FUNC_csum_diff                      Func = 28
	BPF_FUNC_skb_get_tunnel_opt             Func = 29
	BPF_FUNC_skb_set_tunnel_opt             Func = 30
	BPF_FUNC_skb_change_proto               Func = 31
	BPF_FUNC_skb_change_type                Func = 32
	BPF_FUNC_skb_under_cgroup               Func = 33
	BPF_FUNC_get_hash_recalc                Func = 34
	BPF_FUNC_get_current_task               Func = 35
	BPF_FUNC_probe_write_user               Func = 36
	BPF_FUNC_current_task_under_cgroup      Func = 37
	BPF_FUNC_skb_change_tail                Func = 38
	BPF_FUNC_skb_pull_data                  Func = 39
	BPF_FUNC_csum_update                    Func = 40
	BPF_FUNC_set_hash_invalid               Func = 41
	BPF_FUNC_get_numa_node_id               Func = 42
	BPF_FUNC_skb_change_head                Func = 43
	BPF_FUNC_xdp_adjust_head                Func = 44
	BPF_FUNC_probe_read_str                 Func = 45
	BPF_FUNC_get_socket_cookie              Func = 46
	BPF_FUNC_get_socket_uid                 Func = 47
	BPF_FUNC_set_hash                       Func = 48
	BPF_FUNC_setsockopt                     Func = 49
	BPF_FUNC_skb_adjust_room                Func = 50
	BPF_FUNC_redirect_map                   Func = 51
	BPF_FUNC_sk_redirect_map                Func = 52
	BPF_FUNC_sock_map_update                Func = 53
	BPF_FUNC_xdp_adjust_meta                Func = 54
	BPF_FUNC_perf_event_read_value          Func = 55
	BPF_FUNC_perf_prog_read_value           Func = 56
	BPF_FUNC_getsockopt                     Func = 57
	BPF_FUNC_override_return                Func = 58
	BPF_FUNC_sock_ops_cb_flags_set          Func = 59
	BPF_FUNC_msg_redirect_map               Func = 60
	BPF_FUNC_msg_apply_bytes                Func = 61
	BPF_FUNC_msg_cork_bytes                 Func = 62
	BPF_FUNC_msg_pull_data                  Func = 63
	BPF_FUNC_bind                           Func = 64
	BPF_FUNC_xdp_adjust_tail                Func = 65
	BPF_FUNC_skb_get_xfrm_state             Func = 66
	BPF_FUNC_get_stack                      Func = 67
	BPF_FUNC_skb_load_bytes_relative        Func = 68
	BPF_FUNC_fib_lookup                     Func = 69
	BPF_FUNC_sock_hash_update               Func = 70
	BPF_FUNC_msg_redirect_hash              Func = 71
	BPF_FUNC_sk_redirect_hash               Func = 72
	BPF_FUNC_lwt_push_encap                 Func = 73
	BPF_FUNC_lwt_seg6_store_bytes           Func = 74
	BPF_FUNC_lwt_seg6_adjust_srh            Func = 75
	BPF_FUNC_lwt_seg6_action                Func = 76
	BPF_FUNC_rc_repeat                      Func = 77
	BPF_FUNC_rc_keydown                     Func = 78
	BPF_FUNC_skb_cgroup_id                  Func = 79
	BPF_FUNC_get_current_cgroup_id          Func = 80
	BPF_FUNC_get_local_storage              Func = 81
	BPF_FUNC_sk_select_reuseport            Func = 82
	BPF_FUNC_skb_ancestor_cgroup_id         Func = 83
	BPF_FUNC_sk_lookup_tcp                  Func = 84
	BPF_FUNC_sk_lookup_udp                  Func = 85
	BPF_FUNC_sk_release                     Func = 86
	BPF_FUNC_map_push_elem                  Func = 87
	BPF_FUNC_map_pop_elem                   Func = 88
	BPF_FUNC_map_peek_elem                  Func = 89
	BPF_FUNC_msg_push_data                  Func = 90
	BPF_FUNC_msg_pop_data                   Func = 91
	BPF_FUNC_rc_pointer_rel                 Func = 92
	BPF_FUNC_spin_lock                      Func = 93
	BPF_FUNC_spin_unlock                    Func = 94
	BPF_FUNC_sk_fullsock                    Func = 95
	BPF_FUNC_tcp_sock                       Func = 96
	BPF_FUNC_skb_ecn_set_ce                 Func = 97
	BPF_FUNC_get_listener_sock              Func = 98
	BPF_FUNC_skc_lookup_tcp                 Func = 99
	BPF_FUNC_tcp_check_syncookie            Func = 100
	BPF_FUNC_sysctl_get_name                Func = 101
	BPF_FUNC_sysctl_get_current_value       Func = 102
	BPF_FUNC_sysctl_get_new_value           Func = 103
	BPF_FUNC_sysctl_set_new_value           Func = 104
	BPF_FUNC_strtol                         Func = 105
	BPF_FUNC_strtoul                        Func = 106
	BPF_FUNC_sk_storage_get                 Func = 107
	BPF_FUNC_sk_storage_delete              Func = 108
	BPF_FUNC_send_signal                    Func = 109
	BPF_FUNC_tcp_gen_syncookie              Func = 110
	BPF_FUNC_skb_output                     Func = 111
	BPF_FUNC_probe_read_user                Func = 112
	BPF_FUNC_probe_read_kernel              Func = 113
	BPF_FUNC_probe_read_user_str            Func = 114
	BPF_FUNC_probe_read_kernel_str          Func = 115
	BPF_FUNC_tcp_send_ack                   Func = 116
	BPF_FUNC_send_signal_thread             Func = 117
	BPF_FUNC_jiffies64                      Func = 118
	BPF_FUNC_read_branch_records            Func = 119
	BPF_FUNC_get_ns_current_pid_tgid        Func = 120
	BPF_FUNC_xdp_output                     Func = 121
	BPF_FUNC_get_netns_cookie               Func = 122
	BPF_FUNC_get_current_ancestor_cgroup_id Func = 123
	BPF_FUNC_sk_assign                      Func = 124
	BPF_FUNC_ktime_get_boot_ns              Func = 125
	BPF_FUNC_seq_printf                     Func = 126
	BPF_FUNC_seq_write                      Func = 127
	BPF_FUNC_sk_cgroup_id                   Func = 128
	BPF_FUNC_sk_ancestor_cgroup_id          Func = 129
	BPF_FUNC_ringbuf_output                 Func = 130
	BPF_FUNC_ringbuf_reserve                Func = 131
	BPF_FUNC_ringbuf_submit                 Func = 132
	BPF_FUNC_ringbuf_discard                Func = 133
	BPF_FUNC_ringbuf_query                  Func = 134
	BPF_FUNC_csum_level                     Func = 135
	BPF_FUNC_skc_to_tcp6_sock               Func = 136
	BPF_FUNC_skc_to_tcp_sock                Func = 137
	BPF_FUNC_skc_to_tcp_timewait_sock       Func = 138
	BPF_FUNC_skc_to_tcp_request_sock        Func = 139
	BPF_FUNC_skc_to_udp6_sock               Func = 140
	BPF_FUNC_get_task_stack                 Func = 141
	BPF_FUNC_load_hdr_opt                   Func = 142
	BPF_FUNC_store_hdr_opt                  Func = 143
	BPF_FUNC_reserve_hdr_opt                Func = 144
	BPF_FUNC_inode_storage_get              Func = 145
	BPF_FUNC_inode_storage_delete           Func = 146
	BPF_FUNC_d_path                         Func = 147
	BPF_FUNC_copy_from_user                 Func = 148
	BPF_FUNC_snprintf_btf                   Func = 149
	BPF_FUNC_seq_printf_btf                 Func = 150
	BPF_FUNC_skb_cgroup_classid             Func = 151
	BPF_FUNC_redirect_neigh                 Func = 152
	BPF_FUNC_per_cpu_ptr                    Func = 153
	BPF_FUNC_this_cpu_ptr                   Func = 154
	BPF_FUNC_redirect_peer                  Func = 155
	BPF_FUNC_task_storage_get               Func = 156
	BPF_FUNC_task_storage_delete            Func = 157
	BPF_FUNC_get_current_task_btf           Func = 158
	BPF_FUNC_bprm_opts_set                  Func = 159
	BPF_FUNC_ktime_get_coarse_ns            Func = 160
	BPF_FUNC_ima_inode_hash                 Func = 161
	BPF_FUNC_sock_from_file                 Func = 162
	BPF_FUNC_check_mtu                      Func = 163
	BPF_FUNC_for_each_map_elem              Func = 164
	BPF_FUNC_snprintf                       Func = 165
	BPF_FUNC_sys_bpf                        Func = 166
	BPF_FUNC_btf_find_by_name_kind          Func = 167
	BPF_FUNC_sys_close                      Func = 168
	BPF_FUNC_timer_init                     Func = 169
	BPF_FUNC_timer_set_callback             Func = 170
	BPF_FUNC_timer_start                    Func = 171
	BPF_FUNC_timer_cancel                   Func = 172
	BPF_FUNC_get_func_ip                    Func = 173
	BPF_FUNC_get_attach_cookie              Func = 174
	BPF_FUNC_task_pt_regs                   Func = 175
	BPF_FUNC_get_branch_snapshot            Func = 176
	BPF_FUNC_trace_vprintk                  Func = 177
	BPF_FUNC_skc_to_unix_sock               Func = 178
	BPF_FUNC_kallsyms_lookup_name           Func = 179
	BPF_FUNC_find_vma                       Func = 180
	BPF_FUNC_loop                           Func = 181
	BPF_FUNC_strncmp                        Func = 182
	BPF_FUNC_get_func_arg                   Func = 183
	BPF_FUNC_get_func_ret                   Func = 184
	BPF_FUNC_get_func_arg_cnt               Func = 185
	BPF_FUNC_get_retval                     Func = 186
	BPF_FUNC_set_retval                     Func = 187
	BPF_FUNC_xdp_get_buff_len               Func = 188
	BPF_FUNC_xdp_load_bytes                 Func = 189
	BPF_FUNC_xdp_store_bytes                Func = 190
	BPF_FUNC_copy_from_user_task            Func = 191
	BPF_FUNC_skb_set_tstamp                 Func = 192
	BPF_FUNC_ima_file_hash                  Func = 193
	BPF_FUNC_kptr_xchg                      Func = 194
	BPF_FUNC_map_lookup_percpu_elem         Func = 195
	BPF_FUNC_skc_to_mptcp_sock              Func = 196
	BPF_FUNC_dynptr_from_mem                Func = 197
	BPF_FUNC_ringbuf_reserve_dynptr         Func = 198
	BPF_FUNC_ringbuf_submit_dynptr          Func = 199
	BPF_FUNC_ringbuf_discard_dynptr         Func = 200
	BPF_FUNC_dynptr_read                    Func = 201
	BPF_FUNC_dynptr_write                   Func = 202
	BPF_FUNC_dynptr_data                    Func = 203
	BPF_FUNC_tcp_raw_gen_syncookie_ipv4     Func = 204
	BPF_FUNC_tcp_raw_gen_syncookie_ipv6     Func = 205
	BPF_FUNC_tcp_raw_check_syncookie_ipv4   Func = 206
	BPF_FUNC_tcp_raw_check_syncookie_ipv6   Func = 207
	BPF_FUNC_ktime_get_tai_ns               Func = 208
	BPF_FUNC_user_ringbuf_drain             Func = 209
	BPF_FUNC_cgrp_storage_get               Func = 210
	BPF_FUNC_cgrp_storage_delete            Func = 211
)

// funcNames maps helper ids to their names without the bpf_ prefix.
var funcNames = [...]string{
	0:   "unspec",
	1:   "map_lookup_elem",
	2:   "map_update_elem",
	3:   "map_delete_elem",
	4:   "probe_read",
	5:   "ktime_get_ns",
	6:   "trace_printk",
	7:   "get_prandom_u32",
	8:   "get_smp_processor_id",
	9:   "skb_store_bytes",
	10:  "l3_csum_replace",
	11:  "l4_csum_replace",
	12:  "tail_call",
	13:  "clone_redirect",
	14:  "get_current_pid_tgid",
	15:  "get_current_uid_gid",
	16:  "get_current_comm",
	17:  "get_cgroup_classid",
	18:  "skb_vlan_push",
	19:  "skb_vlan_pop",
	20:  "skb_get_tunnel_key",
	21:  "skb_set_tunnel_key",
	22:  "perf_event_read",
	23:  "redirect",
	24:  "get_route_realm",
	25:  "perf_event_output",
	26:  "skb_load_bytes",
	27:  "get_stackid",
	28:  "csum_diff",
	29:  "skb_get_tunnel_opt",
	30:  "skb_set_tunnel_opt",
	31:  "skb_change_proto",
	32:  "skb_change_type",
	33:  "skb_under_cgroup",
	34:  "get_hash_recalc",
	35:  "get_current_task",
	36:  "probe_write_user",
	37:  "current_task_under_cgroup",
	38:  "skb_change_tail",
	39:  "skb_pull_data",
	40:  "csum_update",
	41:  "set_hash_invalid",
	42:  "get_numa_node_id",
	43:  "skb_change_head",
	44:  "xdp_adjust_head",
	45:  "probe_read_str",
	46:  "get_socket_cookie",
	47:  "get_socket_uid",
	48:  "set_hash",
	49:  "setsockopt",
	50:  "skb_adjust_room",
	51:  "redirect_map",
	52:  "sk_redirect_map",
	53:  "sock_map_update",
	54:  "xdp_adjust_meta",
	55:  "perf_event_read_value",
	56:  "perf_prog_read_value",
	57:  "getsockopt",
	58:  "override_return",
	59:  "sock_ops_cb_flags_set",
	60:  "msg_redirect_map",
	61:  "msg_apply_bytes",
	62:  "msg_cork_bytes",
	63:  "msg_pull_data",
	64:  "bind",
	65:  "xdp_adjust_tail",
	66:  "skb_get_xfrm_state",
	67:  "get_stack",
	68:  "skb_load_bytes_relative",
	69:  "fib_lookup",
	70:  "sock_hash_update",
	71:  "msg_redirect_hash",
	72:  "sk_redirect_hash",
	73:  "lwt_push_encap",
	74:  "lwt_seg6_store_bytes",
	75:  "lwt_seg6_adjust_srh",
	76:  "lwt_seg6_action",
	77:  "rc_repeat",
	78:  "rc_keydown",
	79:  "skb_cgroup_id",
	80:  "get_current_cgroup_id",
	81:  "get_local_storage",
	82:  "sk_select_reuseport",
	83:  "skb_ancestor_cgroup_id",
	84:  "sk_lookup_tcp",
	85:  "sk_lookup_udp",
	86:  "sk_release",
	87:  "map_push_elem",
	88:  "map_pop_elem",
	89:  "map_peek_elem",
	90:  "msg_push_data",
	91:  "msg_pop_data",
	92:  "rc_pointer_rel",
	93:  "spin_lock",
	94:  "spin_unlock",
	95:  "sk_fullsock",
	96:  "tcp_sock",
	97:  "skb_ecn_set_ce",
	98:  "get_listener_sock",
	99:  "skc_lookup_tcp",
	100: "tcp_check_syncookie",
	101: "sysctl_get_name",
	102: "sysctl_get_current_value",
	103: "sysctl_get_new_value",
	104: "sysctl_set_new_value",
	105: "strtol",
	106: "strtoul",
	107: "sk_storage_get",
	108: "sk_storage_delete",
	109: "send_signal",
	110: "tcp_gen_syncookie",
	111: "skb_output",
	112: "probe_read_user",
	113: "probe_read_kernel",
	114: "probe_read_user_str",
	115: "probe_read_kernel_str",
	116: "tcp_send_ack",
	117: "send_signal_thread",
	118: "jiffies64",
	119: "read_branch_records",
	120: "get_ns_current_pid_tgid",
	121: "xdp_output",
	122: "get_netns_cookie",
	123: "get_current_ancestor_cgroup_id",
	124: "sk_assign",
	125: "ktime_get_boot_ns",
	126: "seq_printf",
	127: "seq_write",
	128: "sk_cgroup_id",
	129: "sk_ancestor_cgroup_id",
	130: "ringbuf_output",
	131: "ringbuf_reserve",
	132: "ringbuf_submit",
	133: "ringbuf_discard",
	134: "ringbuf_query",
	135: "csum_level",
	136: "skc_to_tcp6_sock",
	137: "skc_to_tcp_sock",
	138: "skc_to_tcp_timewait_sock",
	139: "skc_to_tcp_request_sock",
	140: "skc_to_udp6_sock",
	141: "get_task_stack",
	142: "load_hdr_opt",
	143: "store_hdr_opt",
	144: "reserve_hdr_opt",
	145: "inode_storage_get",
	146: "inode_storage_delete",
	147: "d_path",
	148: "copy_from_user",
	149: "snprintf_btf",
	150: "seq_printf_btf",
	151: "skb_cgroup_classid",
	152: "redirect_neigh",
	153: "per_cpu_ptr",
	154: "this_cpu_ptr",
	155: "redirect_peer",
	156: "task_storage_get",
	157: "task_storage_delete",
	158: "get_current_task_btf",
	159: "bprm_opts_set",
	160: "ktime_get_coarse_ns",
	161: "ima_inode_hash",
	162: "sock_from_file",
	163: "check_mtu",
	164: "for_each_map_elem",
	165: "snprintf",
	166: "sys_bpf",
	167: "btf_find_by_name_kind",
	168: "sys_close",
	169: "timer_init",
	170: "timer_set_callback",
	171: "timer_start",
	172: "timer_cancel",
	173: "get_func_ip",
	174: "get_attach_cookie",
	175: "task_pt_regs",
	176: "get_branch_snapshot",
	177: "trace_vprintk",
	178: "skc_to_unix_sock",
	179: "kallsyms_lookup_name",
	180: "find_vma",
	181: "loop",
	182: "strncmp",
	183: "get_func_arg",
	184: "get_func_ret",
	185: "get_func_arg_cnt",
	186: "get_retval",
	187: "set_retval",
	188: "xdp_get_buff_len",
	189: "xdp_load_bytes",
	190: "xdp_store_bytes",
	191: "copy_from_user_task",
	192: "skb_set_tstamp",
	193: "ima_file_hash",
	194: "kptr_xchg",
	195: "map_lookup_percpu_elem",
	196: "skc_to_mptcp_sock",
	197: "dynptr_from_mem",
	198: "ringbuf_reserve_dynptr",
	199: "ringbuf_submit_dynptr",
	200: "ringbuf_discard_dynptr",
	201: "dynptr_read",
	202: "dynptr_write",
	203: "dynptr_data",
	204: "tcp_raw_gen_syncookie_ipv4",
	205: "tcp_raw_gen_syncookie_ipv6",
	206: "tcp_raw_check_syncookie_ipv4",
	207: "tcp_raw_check_syncookie_ipv6",
	208: "ktime_get_tai_ns",
	209: "user_ringbuf_drain",
	210: "cgrp_storage_get",
	211: "cgrp_storage_delete",
}

// String returns the helper's C name, e.g. "bpf_map_lookup_elem", or
// "helper#N" for an id this table does not know.
func (f Func) String() string {
	if f > 0 && int(f) < len(funcNames) {
		return "bpf_" + funcNames[f]
	}
	return "helper#" + itoa(int(f))
}

// Known reports whether the id names a helper of the v6.12 UAPI.
func (f Func) Known() bool { return f > 0 && int(f) < len(funcNames) }

// FuncByName looks a helper up by its name, with or without the bpf_ prefix.
func FuncByName(name string) (Func, bool) {
	if len(name) > 4 && name[:4] == "bpf_" {
		name = name[4:]
	}
	for i, n := range funcNames {
		if i > 0 && n == name {
			return Func(i), true
		}
	}
	return 0, false
}
