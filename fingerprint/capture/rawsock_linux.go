package capture

import (
	"bufio"
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// capNetRaw is CAP_NET_RAW's bit (linux/capability.h).
const capNetRaw = 13

// rawSockets reports whether nmap may open raw sockets, which -sU needs,
// and whether it must be told so with --privileged. Root can unless its
// capability set lacks CAP_NET_RAW (a container may drop it); anyone else
// can when the nmap binary carries the capability as a file capability
// (setcap cap_net_raw+eip), and nmap, not being root, then needs
// --privileged to use it.
func rawSockets(nmapPath string) (allowed, privileged bool) {
	if os.Geteuid() == 0 {
		return effectiveNetRaw(), false
	}
	if path, err := filepath.EvalSymlinks(nmapPath); err == nil && fileNetRaw(path) {
		return true, true
	}
	return false, false
}

// effectiveNetRaw reads CapEff of this process; an unreadable status says
// nothing, and root is then taken to have its usual capabilities.
func effectiveNetRaw() bool {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return true
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "CapEff:"); ok {
			caps, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err != nil || caps&(1<<capNetRaw) != 0
		}
	}
	return true
}

// fileNetRaw reads the security.capability extended attribute (struct
// vfs_cap_data: a magic word, then permitted and inheritable sets) and
// reports whether CAP_NET_RAW is permitted and the effective flag set.
func fileNetRaw(path string) bool {
	var buf [24]byte
	n, err := syscall.Getxattr(path, "security.capability", buf[:])
	if err != nil || n < 8 {
		return false
	}
	magic := binary.LittleEndian.Uint32(buf[0:4])
	permitted := binary.LittleEndian.Uint32(buf[4:8])
	const effective = 0x000001
	return magic&effective != 0 && permitted&(1<<capNetRaw) != 0
}
