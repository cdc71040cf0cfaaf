//go:build !linux

package capture

import "os"

// rawSockets reports whether nmap may open raw sockets: outside Linux
// only root is assumed to.
func rawSockets(string) (allowed, privileged bool) {
	return os.Geteuid() == 0, false
}
