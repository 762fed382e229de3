// Package link builds the links a container's network is made of: the host
// bridge with its gateway address, and one veth pair per container whose
// peer lives in the container's network namespace with its address, MAC,
// loopback and default route.
//
// Everything goes over rtnetlink, never through the ip command. The pair is
// made with a single RTM_NEWLINK that creates the host end up and already
// plugged into the bridge, and the peer directly inside the target namespace
// under its final name, MAC and MTU (IFLA_NET_NS_FD), so there is no move
// and no rename. The work inside the namespace goes through a netlink socket
// opened there (netlink.NewHandleAt); no thread is left in another
// namespace (the library enters it on a locked thread only to open the
// socket). Attach costs eight netlink round trips in all, about 2-5 ms;
// Detach costs two, but waits some 20-30 ms for the kernel's rcu_barrier
// when it unregisters the pair, as `ip link del` does.
package link
