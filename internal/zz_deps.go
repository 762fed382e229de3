package internal
import (
 _ "github.com/google/nftables"
 _ "github.com/vishvananda/netlink"
 _ "github.com/vishvananda/netns"
)
