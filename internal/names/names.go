// Package names makes and checks the names and ids of containers the way
// Docker does: random "adjective_surname" names, the name rule, 64-hex ids
// and their 12-character short form.
package names

import (
	cryptorand "crypto/rand"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Random returns a name like "focused_turing". When retry is above zero (the
// caller's earlier name was taken) a random digit is appended, as Docker
// does: "focused_turing3". "boring_wozniak" is never returned, because
// Steve Wozniak is not boring.
func Random(retry int) string {
	for {
		name := adjectives[rand.IntN(len(adjectives))] + "_" + surnames[rand.IntN(len(surnames))]
		if name == "boring_wozniak" {
			continue
		}
		if retry > 0 {
			name += strconv.Itoa(rand.IntN(10))
		}
		return name
	}
}

// validName is Docker's rule for container names; the leading slash is the
// form the Docker API reports names in.
var validName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$`) })

// Valid reports whether name may name a container, with Docker's message
// when it may not.
func Valid(name string) error {
	if !validName().MatchString(name) {
		return fmt.Errorf("invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name)
	}
	return nil
}

// NewID returns a new container id: 64 lowercase hex digits from
// crypto/rand. Like Docker it never returns an id whose short form is all
// digits, which would read as a number where a hostname is expected.
func NewID() string {
	b := make([]byte, 32)
	for {
		if _, err := cryptorand.Read(b); err != nil {
			panic(fmt.Errorf("read random bytes: %w", err)) // crypto/rand never fails on Linux
		}
		id := hex.EncodeToString(b)
		if _, err := strconv.ParseUint(ShortID(id), 10, 64); err != nil {
			return id
		}
	}
}

// ShortID returns the 12-character form of id that `docker ps` shows,
// dropping an algorithm prefix such as "sha256:" first.
func ShortID(id string) string {
	if _, after, ok := strings.Cut(id, ":"); ok {
		id = after
	}
	if len(id) > 12 {
		id = id[:12]
	}
	return id
}
