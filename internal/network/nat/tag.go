package nat

import "strings"

// A tag names a rule's owner. It is stored as the rule's comment, so
// `nft list ruleset` shows it too: TABLE:KIND:SUBJECT, for example
// hull:net:hull0 or hull:port:4f3c... The table name comes first so that
// the rules two tables (hull's and a test's) put in ip filter FORWARD stay
// apart.
type tag struct {
	kind    string // kindNet, kindPort or kindJump
	subject string // bridge, owner, or the chain jumped to
}

const (
	kindNet  = "net"
	kindPort = "port"
	kindJump = "jump"
)

// commentType is libnftnl's NFTNL_UDATA_RULE_COMMENT, the user data type
// nft and iptables-nft read a rule's comment from.
const commentType = 0

func (t Table) encodeTag(g tag) string { return t.name() + ":" + g.kind + ":" + g.subject }

// decodeTag parses s, and reports false if it is not a tag of t's.
func (t Table) decodeTag(s string) (tag, bool) {
	rest, ok := strings.CutPrefix(s, t.name()+":")
	if !ok {
		return tag{}, false
	}
	kind, subject, ok := strings.Cut(rest, ":")
	if !ok || subject == "" {
		return tag{}, false
	}
	return tag{kind: kind, subject: subject}, true
}

// userData is the rule user data carrying tag g as its comment.
func (t Table) userData(g tag) []byte {
	s := t.encodeTag(g)
	return append([]byte{commentType, byte(len(s) + 1)}, append([]byte(s), 0)...)
}

// tagOf returns the tag of t's in a rule's user data, if it has one. User
// data is a list of (type, length, value) records; rules written by other
// tools may carry any, or malformed ones.
func (t Table) tagOf(udata []byte) (tag, bool) {
	for len(udata) >= 2 {
		typ, n := udata[0], int(udata[1])
		if len(udata) < 2+n {
			return tag{}, false
		}
		if typ == commentType {
			return t.decodeTag(strings.TrimSuffix(string(udata[2:2+n]), "\x00"))
		}
		udata = udata[2+n:]
	}
	return tag{}, false
}
