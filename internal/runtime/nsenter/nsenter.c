// The pre-Go stage of a container process. It runs as a constructor, before
// the Go runtime starts any thread, because a multi-threaded process can
// neither join a mount or user namespace with setns(2) nor create a user
// namespace with unshare(2). Outside a container start it returns at once.
//
// Protocol (see sync.go in the runtime package for the Go side): the parent
// passes a socket in _HULL_BOOTSTRAP and writes one message of records
// [u32 type][u32 length][payload]. This stage then, in this order:
//   1. writes oom_score_adj and joins the cgroups (still fully privileged),
//   2. opens every namespace path, then joins them (the user namespace first),
//   3. creates a user namespace if asked, asking the parent to write its id
//      maps (only a process outside it may write multi-range maps),
//   4. creates the other namespaces and writes time namespace offsets,
//   5. forks, because a new or joined pid or time namespace applies only to
//      children; the child reports its pid and the intermediate exits.
// The child returns from the constructor into the Go runtime, now inside
// every namespace, as the container's init (or exec'd process).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

// Record types; keep in step with sync.go.
enum {
	REC_CLONE_FLAGS = 1,   // u32: namespaces to create
	REC_NS_PATH = 2,       // u32 clone flag + path: a namespace to join
	REC_UID_MAP = 3,       // text, written by the parent
	REC_GID_MAP = 4,       // text, written by the parent
	REC_OOM_SCORE_ADJ = 5, // text
	REC_CGROUP_PROCS = 6,  // path of a tasks or cgroup.procs file to join
	REC_TIME_OFFSETS = 7,  // text for /proc/self/timens_offsets
};

// Messages from this stage to the parent: [u32 type][u32 value], and for
// MSG_ERROR a [u32 length][text] after.
enum {
	MSG_USERMAP_REQUEST = 1, // value: pid whose maps the parent must write
	MSG_CHILD_PID = 2,       // value: pid of the process that goes on
	MSG_ERROR = 3,           // value: errno
	MSG_USERMAP_DONE = 4,    // parent -> here
};

#define MAX_JOIN 16
#define MAX_CGROUPS 32

struct bootstrap {
	uint32_t clone_flags;
	int njoin;
	uint32_t join_type[MAX_JOIN];
	char *join_path[MAX_JOIN];
	char *uid_map, *gid_map, *oom_score_adj, *time_offsets;
	int ncgroups;
	char *cgroup_procs[MAX_CGROUPS];
};

static int sync_fd = -1;

static void write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(1);
		p += n;
		len -= n;
	}
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static void send_msg(uint32_t type, uint32_t value)
{
	uint32_t msg[2] = {type, value};
	write_all(sync_fd, msg, sizeof(msg));
}

// bail reports an error to the parent, which turns it into a Go error with
// context, and exits: nothing here prints to a stderr nobody reads.
static void bail(const char *fmt, ...)
{
	int saved = errno;
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (len < 0)
		len = 0;
	if (len >= (int)sizeof(text))
		len = sizeof(text) - 1;
	if (sync_fd >= 0) {
		uint32_t hdr[3] = {MSG_ERROR, (uint32_t)saved, (uint32_t)len};
		write_all(sync_fd, hdr, sizeof(hdr));
		write_all(sync_fd, text, len);
	}
	_exit(1);
}

static char *dup_payload(const char *p, uint32_t len)
{
	char *s = malloc(len + 1);
	if (!s)
		bail("nsenter: out of memory");
	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

static void parse(struct bootstrap *b, char *data, uint32_t size)
{
	uint32_t off = 0;
	memset(b, 0, sizeof(*b));
	while (off + 8 <= size) {
		uint32_t type, len;
		memcpy(&type, data + off, 4);
		memcpy(&len, data + off + 4, 4);
		off += 8;
		if (len > size - off)
			bail("nsenter: bootstrap record %u overruns the message", type);
		char *p = data + off;
		switch (type) {
		case REC_CLONE_FLAGS:
			if (len != 4)
				bail("nsenter: bad clone flags record");
			memcpy(&b->clone_flags, p, 4);
			break;
		case REC_NS_PATH:
			if (len < 5 || b->njoin == MAX_JOIN)
				bail("nsenter: bad namespace path record");
			memcpy(&b->join_type[b->njoin], p, 4);
			b->join_path[b->njoin++] = dup_payload(p + 4, len - 4);
			break;
		case REC_UID_MAP:
			b->uid_map = dup_payload(p, len);
			break;
		case REC_GID_MAP:
			b->gid_map = dup_payload(p, len);
			break;
		case REC_OOM_SCORE_ADJ:
			b->oom_score_adj = dup_payload(p, len);
			break;
		case REC_CGROUP_PROCS:
			if (b->ncgroups == MAX_CGROUPS)
				bail("nsenter: too many cgroups");
			b->cgroup_procs[b->ncgroups++] = dup_payload(p, len);
			break;
		case REC_TIME_OFFSETS:
			b->time_offsets = dup_payload(p, len);
			break;
		default:
			bail("nsenter: unknown bootstrap record %u", type);
		}
		off += len;
	}
}

static void write_file(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		bail("open %s", path);
	size_t len = strlen(data);
	if (write(fd, data, len) != (ssize_t)len)
		bail("write %s", path);
	close(fd);
}

// "0" is the writer itself: in a v1 tasks file that moves just this
// thread, which (no other thread exists yet) is the whole process, without
// the grace period a whole-process move waits for (see cgroupJoin).
static void join_cgroups(struct bootstrap *b)
{
	for (int i = 0; i < b->ncgroups; i++)
		write_file(b->cgroup_procs[i], "0");
}

// Namespaces are opened before any is joined: once in another mount
// namespace the paths may no longer resolve. The user namespace is joined
// first so the others are joined with its privileges.
static void join_namespaces(struct bootstrap *b)
{
	int fds[MAX_JOIN];
	for (int i = 0; i < b->njoin; i++) {
		fds[i] = open(b->join_path[i], O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0)
			bail("open namespace %s", b->join_path[i]);
	}
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < b->njoin; i++) {
			int is_user = b->join_type[i] == CLONE_NEWUSER;
			if ((pass == 0) != is_user)
				continue;
			if (setns(fds[i], b->join_type[i]) < 0)
				bail("setns %s", b->join_path[i]);
			close(fds[i]);
		}
	}
	if (b->njoin > 0 && (b->clone_flags & CLONE_NEWUSER) == 0) {
		// A joined user namespace starts us with no ids mapped yet.
		for (int i = 0; i < b->njoin; i++)
			if (b->join_type[i] == CLONE_NEWUSER) {
				if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
					bail("become root in joined user namespace");
				break;
			}
	}
}

static void new_user_namespace(struct bootstrap *b)
{
	if (unshare(CLONE_NEWUSER) < 0)
		bail("unshare user namespace");
	send_msg(MSG_USERMAP_REQUEST, (uint32_t)getpid());
	uint32_t reply[2];
	if (read_all(sync_fd, reply, sizeof(reply)) < 0 || reply[0] != MSG_USERMAP_DONE)
		bail("nsenter: parent did not write the id maps");
	if (reply[1] != 0) {
		errno = (int)reply[1];
		bail("write id maps");
	}
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		bail("become root in the new user namespace (is uid/gid 0 mapped?)");
}

static void new_namespaces(struct bootstrap *b)
{
	uint32_t rest = b->clone_flags & ~CLONE_NEWUSER;
	if (rest == 0)
		return;
	if (unshare((int)rest) < 0)
		bail("unshare namespaces 0x%x", rest);
	if ((rest & CLONE_NEWTIME) && b->time_offsets)
		write_file("/proc/self/timens_offsets", b->time_offsets);
}

__attribute__((constructor)) static void hull_nsenter(void)
{
	const char *fd_text = getenv("_HULL_BOOTSTRAP");
	if (!fd_text)
		return;
	sync_fd = atoi(fd_text);
	if (fcntl(sync_fd, F_SETFD, FD_CLOEXEC) < 0)
		_exit(1);
	// The container must not be able to ptrace or read /proc of this
	// process while it is half-way into the namespaces; execve resets it.
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		bail("prctl PR_SET_DUMPABLE");

	uint32_t size;
	if (read_all(sync_fd, &size, 4) < 0 || size > (1 << 20))
		bail("nsenter: read bootstrap size");
	char *data = malloc(size ? size : 1);
	if (!data || read_all(sync_fd, data, size) < 0)
		bail("nsenter: read bootstrap data");
	struct bootstrap b;
	parse(&b, data, size);

	if (b.oom_score_adj)
		write_file("/proc/self/oom_score_adj", b.oom_score_adj);
	join_cgroups(&b);
	join_namespaces(&b);
	if (b.clone_flags & CLONE_NEWUSER)
		new_user_namespace(&b);
	new_namespaces(&b);

	pid_t child = fork();
	if (child < 0)
		bail("fork into the new namespaces");
	if (child > 0) {
		send_msg(MSG_CHILD_PID, (uint32_t)child);
		_exit(0);
	}
	// The child goes on into the Go runtime. The parent reads no more from
	// this socket; the Go side closes it.
	if (prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0)
		bail("prctl PR_SET_PDEATHSIG");
}
