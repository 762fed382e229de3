package image

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/hull-project/hull/internal/errdefs"
	"github.com/hull-project/hull/internal/image/reference"
)

// insecure reports whether host[:port] may be reached over plain HTTP or
// unverified TLS: loopback always (as Docker does), and what Options.Insecure
// lists by name or CIDR.
func (s *Store) insecure(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	ip := net.ParseIP(host)
	if host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return true
	}
	for _, entry := range s.opts.Insecure {
		if entry == hostport || entry == host {
			return true
		}
		if _, cidr, err := net.ParseCIDR(entry); err == nil && ip != nil && cidr.Contains(ip) {
			return true
		}
	}
	return false
}

// remoteRef converts a reference into go-containerregistry's form.
func (s *Store) remoteRef(r reference.Reference) (name.Reference, error) {
	var opts []name.Option
	if s.insecure(r.Domain) {
		opts = append(opts, name.Insecure)
	}
	str := r.Name()
	switch {
	case r.Digest != "":
		str += "@" + r.Digest
	case r.Tag != "":
		str += ":" + r.Tag
	}
	ref, err := name.ParseReference(str, opts...)
	if err != nil {
		return nil, errdefs.InvalidArgument(fmt.Sprintf("invalid reference %s: %v", r.FamiliarString(), err))
	}
	return ref, nil
}

// remoteOptions are the options every registry call uses: the caller's
// context, credentials from ~/.docker/config.json, and a transport that
// skips TLS verification for insecure registries.
func (s *Store) remoteOptions(ctx context.Context, domain string) []remote.Option {
	opts := []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(authn.DefaultKeychain),
		remote.WithJobs(8),
	}
	if s.opts.UserAgent != "" {
		opts = append(opts, remote.WithUserAgent(s.opts.UserAgent))
	}
	if s.insecure(domain) {
		t := remote.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the user asked for it
		opts = append(opts, remote.WithTransport(t))
	}
	return opts
}

// registryError turns a registry failure into the message Docker gives.
func registryError(err error, r reference.Reference, verb string) error {
	var terr *transport.Error
	if !errors.As(err, &terr) {
		if errors.Is(err, context.Canceled) {
			return err
		}
		return fmt.Errorf("%s %s: %w", verb, r.FamiliarString(), err)
	}
	for _, d := range terr.Errors {
		switch d.Code {
		case transport.NameUnknownErrorCode, transport.UnauthorizedErrorCode, transport.DeniedErrorCode:
			return errdefs.NotFound(fmt.Sprintf("%s access denied for %s, repository does not exist or may require 'docker login': %s", verb, r.FamiliarName(), d.Message))
		case transport.ManifestUnknownErrorCode:
			return errdefs.NotFound(fmt.Sprintf("manifest for %s not found: manifest unknown: %s", r.FamiliarString(), d.Message))
		}
	}
	if terr.StatusCode == http.StatusNotFound {
		return errdefs.NotFound(fmt.Sprintf("manifest for %s not found: manifest unknown", r.FamiliarString()))
	}
	if terr.StatusCode == http.StatusUnauthorized || terr.StatusCode == http.StatusForbidden {
		return errdefs.Classify(errdefs.ErrPermission, fmt.Sprintf("%s access denied for %s: %v", verb, r.FamiliarName(), terr))
	}
	return fmt.Errorf("%s %s: %w", verb, r.FamiliarString(), err)
}
