package image

// Progress is one status line of a pull or push, as Docker shows it:
// ID is a layer's short digest (or empty for image-wide lines), Status is
// "Pulling fs layer", "Downloading", "Download complete", "Extracting",
// "Pull complete", "Already exists", "Pushing", "Pushed", ...; Current and
// Total are bytes for the statuses that move.
type Progress struct {
	ID      string
	Status  string
	Current int64
	Total   int64
}

// ProgressFunc receives progress; it is called from several goroutines.
type ProgressFunc func(Progress)

func (f ProgressFunc) send(id, status string, cur, total int64) {
	if f != nil {
		f(Progress{ID: id, Status: status, Current: cur, Total: total})
	}
}

// progressReader reports bytes read through it, at most every 512 KiB.
type progressReader struct {
	r        interface{ Read([]byte) (int, error) }
	fn       ProgressFunc
	id, what string
	n, last  int64
	total    int64
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n += int64(n)
	if p.n-p.last >= 512<<10 || (err != nil && p.n != p.last) {
		p.last = p.n
		p.fn.send(p.id, p.what, p.n, p.total)
	}
	return n, err
}
