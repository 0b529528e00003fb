/* The kernel's fixed-width types for sktop's BPF programs, which include
 * no kernel or asm headers of the build machine (its architecture's may be
 * missing): libbpf's headers need only these. */
#ifndef SKTOP_BPF_KERNEL_TYPES_H
#define SKTOP_BPF_KERNEL_TYPES_H

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef int __s32;
typedef unsigned long long __u64;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;

#endif
