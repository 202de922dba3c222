/* SPDX-License-Identifier: GPL-2.0 */
/* One hook body, two programs (helpers only: this header defines no program itself).
 *
 *   TP_BTF_OR_RAW_TP(sched_switch, sched_switch, bool preempt, struct task_struct *prev,
 *                    struct task_struct *next)
 *   { ...body... }
 *
 * emits SEC("tp_btf/sched_switch") tp_btf_sched_switch and SEC("raw_tp/sched_switch")
 * raw_tp_sched_switch around the one body (inlined into both). User space picks one of
 * the two before load (src/sources/bpf/programs.ts names them). The body must read
 * pointers through BPF_CORE_READ: raw_tp arguments are not BTF-typed, so direct loads
 * that tp_btf allows would not pass the verifier there. */
#ifndef TSNAP_LIB_HOOKS_BPF_H
#define TSNAP_LIB_HOOKS_BPF_H

#define TP_BTF_OR_RAW_TP(tp, name, args...)                                  \
	static __always_inline int name(unsigned long long *ctx);            \
	SEC("tp_btf/" #tp)                                                   \
	int tp_btf_##name(unsigned long long *ctx)                           \
	{                                                                    \
		return name(ctx);                                            \
	}                                                                    \
	SEC("raw_tp/" #tp)                                                   \
	int raw_tp_##name(unsigned long long *ctx)                           \
	{                                                                    \
		return name(ctx);                                            \
	}                                                                    \
	static __always_inline int BPF_PROG(name, ##args)

#endif
