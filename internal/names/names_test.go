package names

import (
	"regexp"
	"strings"
	"testing"
)

func TestWordLists(t *testing.T) {
	if len(adjectives) != 108 || len(surnames) != 237 {
		t.Errorf("lists have %d adjectives and %d surnames, want moby's 108 and 237", len(adjectives), len(surnames))
	}
	for _, list := range [][]string{adjectives[:], surnames[:]} {
		seen := map[string]bool{}
		for _, w := range list {
			if seen[w] || !regexp.MustCompile(`^[a-z]+$`).MatchString(w) {
				t.Errorf("word %q is repeated or not lowercase letters", w)
			}
			seen[w] = true
		}
	}
}

func TestRandom(t *testing.T) {
	shape := regexp.MustCompile(`^[a-z]+_[a-z]+$`)
	retried := regexp.MustCompile(`^[a-z]+_[a-z]+[0-9]$`)
	for range 2000 {
		name := Random(0)
		if !shape.MatchString(name) || name == "boring_wozniak" {
			t.Fatalf("Random(0) = %q", name)
		}
		if err := Valid(name); err != nil {
			t.Fatalf("Random(0) = %q is not a valid name: %v", name, err)
		}
		if name := Random(2); !retried.MatchString(name) {
			t.Fatalf("Random(2) = %q, want a trailing digit", name)
		}
	}
}

func TestValid(t *testing.T) {
	good := []string{"web", "/web", "a1", "my_container.v2-x", "0abc", "focused_turing3"}
	bad := []string{"", "a", "/a", "_web", ".web", "-web", "web app", "web/app", "//web", "wéb", "web:1"}
	for _, n := range good {
		if err := Valid(n); err != nil {
			t.Errorf("Valid(%q) = %v", n, err)
		}
	}
	for _, n := range bad {
		err := Valid(n)
		if err == nil {
			t.Errorf("Valid(%q) accepted it", n)
		} else if !strings.Contains(err.Error(), "only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed") {
			t.Errorf("Valid(%q) = %v, want docker's message", n, err)
		}
	}
}

func TestNewID(t *testing.T) {
	hex64 := regexp.MustCompile(`^[0-9a-f]{64}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := NewID()
		if !hex64.MatchString(id) || seen[id] {
			t.Fatalf("NewID() = %q (repeated: %v)", id, seen[id])
		}
		if regexp.MustCompile(`^[0-9]{12}$`).MatchString(ShortID(id)) {
			t.Fatalf("NewID() = %q has an all-digit short id", id)
		}
		seen[id] = true
	}
}

func TestShortID(t *testing.T) {
	tests := map[string]string{
		"90f7b1e6a8c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8":        "90f7b1e6a8c2",
		"sha256:90f7b1e6a8c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8": "90f7b1e6a8c2",
		"abc": "abc",
		"":    "",
	}
	for in, want := range tests {
		if got := ShortID(in); got != want {
			t.Errorf("ShortID(%q) = %q, want %q", in, got, want)
		}
	}
}
