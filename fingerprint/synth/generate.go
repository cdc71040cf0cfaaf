package synth

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/certprint/certprint/registry"
)

// Config says what world to write.
type Config struct {
	Seed   uint64
	Models int           // registered models (the registry's size)
	Hosts  int           // responsive addresses drawn
	Format Format        // the scan file's format
	Date   registry.Date // the scan's first day
}

// Limits on a world.
const (
	MaxModels = 10000
	MaxHosts  = 1 << 24 // one address each in 10.0.0.0/8
)

// DefaultDate is the scan date when none is given.
var DefaultDate = registry.MustDate("2026-10-01")

// Validate checks a configuration and fills the date default.
func (c *Config) Validate() error {
	if c.Models < 1 || c.Models > MaxModels {
		return fmt.Errorf("synth: --models must be between 1 and %d, not %d", MaxModels, c.Models)
	}
	if c.Hosts < 0 || c.Hosts > MaxHosts {
		return fmt.Errorf("synth: --hosts must be between 0 and %d, not %d", MaxHosts, c.Hosts)
	}
	if c.Format == "" {
		c.Format = Nmap
	}
	if _, err := ParseFormat(string(c.Format)); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	if c.Date.IsZero() {
		c.Date = DefaultDate
	}
	return nil
}

// Summary counts what a world holds.
type Summary struct {
	Seed       uint64                 `json:"seed"`
	Format     Format                 `json:"format"`
	Date       string                 `json:"date"`
	Models     int                    `json:"models"`
	Hosts      int                    `json:"hosts"`         // addresses that answered in the scan file
	Devices    int                    `json:"devices"`       // truth rows
	Services   int                    `json:"services"`      // services in the scan file
	Classes    map[registry.Class]int `json:"classes"`       // devices per true class
	Kinds      map[string]int         `json:"kinds"`         // addresses per kind (device, nat, server, ...)
	NATDevices int                    `json:"nat_devices"`   // devices sharing an address with another
	IPv6Hosts  int                    `json:"ipv6_hosts"`    // addresses that are IPv6
	Unobserved int                    `json:"fw_unobserved"` // registered devices whose firmware the scan does not show
	// HiddenOutOfScope counts devices classed certified whose firmware is
	// out of scope but not shown by the scan (SPEC counts it in scope).
	HiddenOutOfScope int      `json:"fw_hidden_out_of_scope"`
	Files            []string `json:"files"`
}

// hostKindNames name the host kinds in summaries.
var hostKindNames = [...]string{hostRegistered: "registered-device", hostOutside: "unregistered-device", hostNAT: "nat", hostServer: "server", hostSilent: "silent", hostHoneypot: "honeypot"}

// generator writes one world.
type generator struct {
	cfg    Config
	cat    *catalog
	start  time.Time
	window time.Duration
	keys   map[*certTemplate]*certKey
	cas    map[string]*certKey
}

// scanWindow is how long the scan runs from midnight UTC of its date:
// under a day, so every observation falls on the scan date.
const scanWindow = 20 * time.Hour

func newGenerator(cfg Config) *generator {
	g := &generator{cfg: cfg, start: cfg.Date.Time(), window: scanWindow, keys: map[*certTemplate]*certKey{}, cas: map[string]*certKey{}}
	g.cat = newCatalog(cfg.Seed, cfg.Models, cfg.Date)
	g.cat.certify()
	g.drawKeys()
	return g
}

// Registry returns the registry document of the world of cfg.
func Registry(cfg Config) (*registry.Document, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return newGenerator(cfg).cat.document(), nil
}

// scanWriter writes hosts in one format.
type scanWriter interface {
	begin() error
	host(h *host, show func(*instance) bool) error
	end() error
}

// Write writes the world of cfg: the registry document, the scan file and
// the truth, host by host, so memory does not grow with cfg.Hosts.
func Write(cfg Config, registryOut, scanOut, truthOut io.Writer) (Summary, error) {
	if err := cfg.Validate(); err != nil {
		return Summary{}, err
	}
	g := newGenerator(cfg)
	if err := g.cat.document().Encode(registryOut); err != nil {
		return Summary{}, err
	}
	sum := Summary{Seed: cfg.Seed, Format: cfg.Format, Date: cfg.Date.String(), Models: g.cat.nreg,
		Classes: map[registry.Class]int{}, Kinds: map[string]int{}}
	for _, c := range []registry.Class{registry.ClassCertified, registry.ClassCertifiedOutOfScope, registry.ClassUncertified, registry.ClassUnknown} {
		sum.Classes[c] = 0
	}
	var sw scanWriter
	switch cfg.Format {
	case Nmap:
		sw = &nmapWriter{w: scanOut, start: g.start}
	case ZGrab2:
		sw = &zgrab2Writer{w: scanOut}
	case Masscan:
		sw = &masscanWriter{w: scanOut}
	case Fingerprintx:
		sw = &fingerprintxWriter{w: scanOut}
	}
	tw := csv.NewWriter(truthOut)
	if err := tw.Write(TruthHeader); err != nil {
		return sum, err
	}
	if err := sw.begin(); err != nil {
		return sum, err
	}
	err := g.hosts(func(h *host) error {
		show := func(in *instance) bool { return appears(cfg.Format, h, in) }
		if err := sw.host(h, show); err != nil {
			return err
		}
		return g.truth(tw, h, &sum)
	})
	if err != nil {
		return sum, err
	}
	if err := sw.end(); err != nil {
		return sum, err
	}
	tw.Flush()
	return sum, tw.Error()
}

// hostBatch is how many hosts one worker draws at a time.
const hostBatch = 256

// hosts draws every host and hands them to fn in order. Drawing a host
// (its certificates above all) costs more than writing it, and hosts are
// independent, so workers draw batches ahead of the writer; at most two
// batches per worker are in flight, so memory stays bounded.
func (g *generator) hosts(fn func(*host) error) error {
	workers := runtime.GOMAXPROCS(0)
	if workers < 2 || g.cfg.Hosts <= hostBatch {
		for i := 0; i < g.cfg.Hosts; i++ {
			if err := fn(g.newHost(i)); err != nil {
				return err
			}
		}
		return nil
	}
	type batch struct {
		start int
		hosts []*host
		done  chan struct{}
	}
	order := make(chan *batch, 2*workers)
	jobs := make(chan *batch, 2*workers)
	quit := make(chan struct{})
	defer close(quit)
	go func() {
		defer close(order)
		defer close(jobs)
		for start := 0; start < g.cfg.Hosts; start += hostBatch {
			b := &batch{start: start, done: make(chan struct{})}
			select {
			case order <- b:
			case <-quit:
				return
			}
			jobs <- b
		}
	}()
	for range workers {
		go func() {
			for b := range jobs {
				end := min(b.start+hostBatch, g.cfg.Hosts)
				for i := b.start; i < end; i++ {
					b.hosts = append(b.hosts, g.newHost(i))
				}
				close(b.done)
			}
		}()
	}
	for b := range order {
		<-b.done
		for _, h := range b.hosts {
			if err := fn(h); err != nil {
				// Workers finish the batches already queued; the
				// dispatcher stops at quit.
				go func() {
					for range order {
					}
				}()
				return err
			}
		}
	}
	return nil
}

// truth writes the rows of one host's devices that appear in the scan.
func (g *generator) truth(tw *csv.Writer, h *host, sum *Summary) error {
	f := g.cfg.Format
	rows := 0
	var nat bool
	if len(h.devices) > 1 {
		nat = true
	}
	for _, d := range h.devices {
		var ports []string
		for _, in := range d.svcs {
			if appears(f, h, in) {
				ports = append(ports, portName(in))
			}
		}
		if len(ports) == 0 {
			continue
		}
		sort.Slice(ports, func(i, j int) bool { return portLess(ports[i], ports[j]) })
		seen := shown(f, h, d)
		class := classOfDevice(d, seen, g.cfg.Date)
		ref, fw := "", ""
		if d.md != nil {
			ref, fw = d.md.ref, d.fw
			if d.md.registered && !seen {
				sum.Unobserved++
				if class == registry.ClassCertified && classOf(d.md, d.fw, true, g.cfg.Date) != registry.ClassCertified {
					sum.HiddenOutOfScope++
				}
			}
		}
		if d.md == nil || !d.md.registered {
			fw = ""
		}
		if err := tw.Write([]string{h.ip.String(), strings.Join(ports, " "), ref, fw, string(class)}); err != nil {
			return err
		}
		rows++
		sum.Devices++
		sum.Services += len(ports)
		sum.Classes[class]++
		if nat {
			sum.NATDevices++
		}
	}
	if rows > 0 {
		sum.Hosts++
		sum.Kinds[hostKindNames[h.kind]]++
		if h.ip.Is6() {
			sum.IPv6Hosts++
		}
	}
	return nil
}

func portName(in *instance) string {
	if in.udp {
		return "udp/" + strconv.Itoa(int(in.port))
	}
	return "tcp/" + strconv.Itoa(int(in.port))
}

// portLess orders "tcp/80" before "tcp/443" before "udp/1900".
func portLess(a, b string) bool {
	ta, pa, _ := strings.Cut(a, "/")
	tb, pb, _ := strings.Cut(b, "/")
	if ta != tb {
		return ta < tb
	}
	x, _ := strconv.Atoi(pa)
	y, _ := strconv.Atoi(pb)
	return x < y
}

// sortInstances orders a host's services by transport and port, as
// scanners list them.
func sortInstances(list []*instance) {
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].udp != list[j].udp {
			return !list[i].udp
		}
		return list[i].port < list[j].port
	})
}

// Generate writes registry.json, the scan file and truth.csv into dir,
// which it creates if needed.
func Generate(cfg Config, dir string) (Summary, error) {
	if err := cfg.Validate(); err != nil {
		return Summary{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Summary{}, fmt.Errorf("synth: %w", err)
	}
	names := []string{"registry.json", cfg.Format.FileName(), "truth.csv"}
	var files [3]*os.File
	var bufs [3]*bufio.Writer
	for k, name := range names {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			for _, open := range files[:k] {
				open.Close()
			}
			return Summary{}, fmt.Errorf("synth: %w", err)
		}
		files[k], bufs[k] = f, bufio.NewWriterSize(f, 1<<20)
	}
	sum, err := Write(cfg, bufs[0], bufs[1], bufs[2])
	for k := range files {
		if ferr := bufs[k].Flush(); err == nil {
			err = ferr
		}
		if cerr := files[k].Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return sum, fmt.Errorf("synth: %w", err)
	}
	for _, name := range names {
		sum.Files = append(sum.Files, filepath.Join(dir, name))
	}
	return sum, nil
}
