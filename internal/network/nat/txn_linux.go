package nat

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/google/nftables"
	"golang.org/x/sys/unix"
)

// lockPath is the file every hull process flocks around a read-modify
// transaction.
const lockPath = "/run/hull/nat.lock"

// lock takes the exclusive lock; the returned function releases it.
func lock() (func(), error) {
	if err := os.MkdirAll(filepath.Dir(lockPath), 0o700); err != nil {
		return nil, fmt.Errorf("lock nftables rules: %w", err)
	}
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock nftables rules: %w", err)
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock nftables rules: flock %s: %w", lockPath, err)
	}
	return func() { f.Close() }, nil
}

// txn is one batch of changes, planned against the rules read when it
// began.
type txn struct {
	t     Table
	c     *nftables.Conn
	table *nftables.Table // hull's, whether or not it exists yet

	exists  bool                        // hull's table exists
	chains  map[string]*nftables.Chain  // hull's table's chains by name
	rules   map[string][]*nftables.Rule // hull's table's rules by chain
	forward *nftables.Chain             // ip filter FORWARD, if there is one
	fwRules []*nftables.Rule            // the rules tagged by t in it
}

// update runs plan in a transaction under the lock and commits its batch.
// A batch is atomic; one that failed with ENOENT (something outside hull
// deleted a rule or chain between reading and committing) is planned
// again from a fresh read.
func (t Table) update(plan func(*txn) error) error {
	unlock, err := lock()
	if err != nil {
		return err
	}
	defer unlock()
	for attempt := 1; ; attempt++ {
		err := t.once(plan)
		if err == nil || !errors.Is(err, unix.ENOENT) || attempt == 3 {
			return err
		}
	}
}

func (t Table) once(plan func(*txn) error) error {
	tx, err := t.begin()
	if err != nil {
		return err
	}
	defer tx.c.CloseLasting()
	if err := plan(tx); err != nil {
		return err
	}
	if err := tx.c.Flush(); err != nil {
		return fmt.Errorf("commit nftables batch: %w", err)
	}
	return nil
}

// view reads the rules under the lock, for listing.
func (t Table) view(read func(*txn)) error {
	unlock, err := lock()
	if err != nil {
		return err
	}
	defer unlock()
	tx, err := t.begin()
	if err != nil {
		return err
	}
	defer tx.c.CloseLasting()
	read(tx)
	return nil
}

// begin opens a netlink connection and reads hull's table and its rules,
// and the rules t tagged in ip filter FORWARD.
func (t Table) begin() (*txn, error) {
	c, err := nftables.New(nftables.AsLasting())
	if err != nil {
		return nil, fmt.Errorf("open nftables netlink socket: %w", err)
	}
	tx := &txn{t: t, c: c, table: &nftables.Table{Name: t.name(), Family: nftables.TableFamilyIPv4},
		chains: map[string]*nftables.Chain{}, rules: map[string][]*nftables.Rule{}}
	if err := tx.read(); err != nil {
		c.CloseLasting()
		return nil, err
	}
	return tx, nil
}

func (tx *txn) read() error {
	tables, err := tx.c.ListTablesOfFamily(nftables.TableFamilyIPv4)
	if err != nil {
		return fmt.Errorf("list nftables tables: %w", err)
	}
	for _, tb := range tables {
		tx.exists = tx.exists || tb.Name == tx.table.Name
	}
	chains, err := tx.c.ListChainsOfTableFamily(nftables.TableFamilyIPv4)
	if err != nil {
		return fmt.Errorf("list nftables chains: %w", err)
	}
	for _, ch := range chains {
		switch {
		case ch.Table.Name == tx.table.Name:
			tx.chains[ch.Name] = ch
		case ch.Table.Name == filterTable && ch.Name == filterForward:
			tx.forward = ch
		}
	}
	return tx.readRules()
}

func (tx *txn) readRules() error {
	for name, ch := range tx.chains {
		rs, err := tx.c.GetRules(tx.table, ch)
		if err != nil {
			return fmt.Errorf("list rules of chain %s in table ip %s: %w", name, tx.table.Name, err)
		}
		tx.rules[name] = rs
	}
	if tx.forward == nil {
		return nil
	}
	rs, err := tx.c.GetRules(tx.forward.Table, tx.forward)
	if err != nil {
		return fmt.Errorf("list rules of chain %s in table ip %s: %w", filterForward, filterTable, err)
	}
	for _, r := range rs {
		if _, ok := tx.t.tagOf(r.UserData); ok {
			tx.fwRules = append(tx.fwRules, r)
		}
	}
	return nil
}

// tagged returns the rules tagged g, in hull's table and in ip filter
// FORWARD.
func (tx *txn) tagged(g tag) []*nftables.Rule {
	var out []*nftables.Rule
	for _, rs := range append(slices.Collect(maps.Values(tx.rules)), tx.fwRules) {
		for _, r := range rs {
			if got, ok := tx.t.tagOf(r.UserData); ok && got == g {
				out = append(out, r)
			}
		}
	}
	return out
}

// subjects lists the subjects of the tags of kind found in the rules.
func (tx *txn) subjects(kind string) []string {
	seen := map[string]bool{}
	for _, rs := range append(slices.Collect(maps.Values(tx.rules)), tx.fwRules) {
		for _, r := range rs {
			if g, ok := tx.t.tagOf(r.UserData); ok && g.kind == kind {
				seen[g.subject] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// ensureChains queues the creation of hull's table and the named chains;
// both are no-ops for what exists.
func (tx *txn) ensureChains(names ...string) {
	tx.c.AddTable(tx.table)
	for _, name := range names {
		ch := baseChains[name]
		ch.Name, ch.Table = name, tx.table
		tx.c.AddChain(&ch)
	}
}

// ensureJump queues `fib daddr type local jump ports` in chain unless it
// is there.
func (tx *txn) ensureJump(chain string) {
	want := tag{kind: kindJump, subject: chainPorts}
	for _, r := range tx.rules[chain] {
		if g, ok := tx.t.tagOf(r.UserData); ok && g == want {
			return
		}
	}
	tx.add(jumpRule(chain))
}

func (tx *txn) add(rs ...rule) {
	for _, r := range rs {
		nr := &nftables.Rule{Table: tx.table, Chain: &nftables.Chain{Name: r.chain, Table: tx.table},
			Exprs: r.exprs, UserData: tx.t.userData(r.tag)}
		if r.table != "" {
			nr.Table = &nftables.Table{Name: r.table, Family: nftables.TableFamilyIPv4}
			nr.Chain.Table = nr.Table
		}
		if r.insert {
			tx.c.InsertRule(nr)
		} else {
			tx.c.AddRule(nr)
		}
	}
}

func (tx *txn) del(rs []*nftables.Rule) error {
	for _, r := range rs {
		if err := tx.c.DelRule(r); err != nil {
			return fmt.Errorf("delete rule %d of chain %s: %w", r.Handle, r.Chain.Name, err)
		}
	}
	return nil
}
