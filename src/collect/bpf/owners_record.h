/* The record the owner iterator writes and the loader reads: one layout
 * shared by both sides, fixed-size so a read() boundary can fall anywhere. */
#ifndef SKTOP_OWNERS_RECORD_H
#define SKTOP_OWNERS_RECORD_H

struct sk_owner_record {
	__s32 pid;      /* thread group id in the reader's pid namespace */
	__u32 fd;
	__u64 inode;    /* socket inode; 0 for an fd that is not a socket */
	__u64 start_ns; /* start_boottime: tells a reused pid from the old one */
};

#endif
