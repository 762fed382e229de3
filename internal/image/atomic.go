package image

import (
	"os"
)

// finishFile sets the mode, fsyncs and closes f.
func finishFile(f *os.File, perm os.FileMode) error {
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
