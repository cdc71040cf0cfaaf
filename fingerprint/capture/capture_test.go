package capture

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var loopback = netip.MustParseAddr("127.0.0.1")

// fakeNmap points a capture at testdata/fake/nmap doing mode.
func fakeNmap(t *testing.T, mode string) Options {
	t.Helper()
	nmap, err := filepath.Abs("testdata/fake/nmap")
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(mode, "xml:") {
		abs, _ := filepath.Abs(strings.TrimPrefix(mode, "xml:"))
		mode = "xml:" + abs
	}
	t.Setenv("FAKE_NMAP", mode)
	t.Setenv("FAKE_NMAP_ARGS", filepath.Join(t.TempDir(), "args"))
	return Options{Target: loopback, Nmap: nmap, Timeout: time.Minute}
}

func TestRunOutcomes(t *testing.T) {
	cases := []struct {
		name   string
		mode   string
		opts   func(*Options)
		target error  // errors.Is
		want   string // in the message
	}{
		{"all closed", "xml:testdata/fake/closed.xml", nil, ErrNoService, "none of the 3 probed ports is open (3 closed, 0 filtered)"},
		{"all filtered", "xml:testdata/fake/filtered.xml", nil, ErrNoAnswer, "answered on none of the 3 probed ports"},
		{"no host", "xml:testdata/fake/nohost.xml", nil, ErrNoAnswer, "no host"},
		{"open but unidentified", "xml:testdata/fake/unidentified.xml", nil, ErrNoService, "identified no service"},
		{"nmap fails", "fail", nil, nil, "nmap failed (exit status 1): Failed to open device lo0"},
		{"output over the bound", "flood", func(o *Options) { o.MaxOutput = 4096 }, ErrOutputTooLarge, "4096 bytes"},
		{"nmap missing", "xml:x", func(o *Options) { o.Nmap = filepath.Join(t.TempDir(), "no-nmap") }, ErrNmapMissing, "apt-get install nmap"},
		{"target not allowed", "xml:x", func(o *Options) { o.Target = netip.MustParseAddr("192.0.2.1"); o.Allowed = Loopback }, ErrTargetNotAllowed, "127.0.0.0/8, ::1/128"},
		{"mapped address judged as IPv4", "xml:x", func(o *Options) { o.Target = netip.MustParseAddr("::ffff:192.0.2.1"); o.Allowed = Loopback }, ErrTargetNotAllowed, "192.0.2.1 is outside"},
		{"no target", "xml:x", func(o *Options) { o.Target = netip.Addr{} }, ErrTargetNotAllowed, "no target"},
		{"multicast", "xml:x", func(o *Options) { o.Target = netip.MustParseAddr("224.0.0.1") }, ErrTargetNotAllowed, "not the address of one device"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := fakeNmap(t, c.mode)
			if c.opts != nil {
				c.opts(&opts)
			}
			res, err := Run(context.Background(), opts)
			if err == nil {
				t.Fatalf("no error; result %+v", res)
			}
			if c.target != nil && !errors.Is(err, c.target) {
				t.Errorf("error %v is not %v", err, c.target)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
		})
	}
}

func TestRunReadsTheXML(t *testing.T) {
	opts := fakeNmap(t, "xml:testdata/fake/open.xml")
	opts.Ports = mustParsePorts("80,443,2323")
	res, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Tool != "nmap 7.99" {
		t.Errorf("tool %q, want the version --version printed", res.Tool)
	}
	if res.Ports != (PortStates{Open: 2, Closed: 1, Hosts: 1}) {
		t.Errorf("port states %+v", res.Ports)
	}
	if len(res.Observations) != 2 || res.Observations[0].Fields["http.title"] != "Acme R300 Setup" {
		t.Fatalf("observations %+v", res.Observations)
	}
	if res.Observations[1].Fields["banner"] != `Acme R300 login:\x1b[2J` {
		t.Errorf("banner %q: device text is kept escaped", res.Observations[1].Fields["banner"])
	}
	args, err := os.ReadFile(os.Getenv("FAKE_NMAP_ARGS"))
	if err != nil {
		t.Fatal(err)
	}
	want := "-sT -sV --version-intensity 9 -Pn -n --noninteractive -p T:80,443,2323 --script http-title,http-server-header,http-favicon,http-auth,ssl-cert,ssh-hostkey,banner -oX - 127.0.0.1\n"
	if string(args) != want {
		t.Errorf("nmap ran with\n%s want\n%s", args, want)
	}
	if len(res.XML) == 0 || res.Started.IsZero() || res.Finished.Before(res.Started) {
		t.Errorf("result %+v", res)
	}
}

// processGone reports whether pid has exited: gone, or a zombie waiting
// for a parent that is not this test.
func processGone(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) > 0 && fields[0] == "Z"
}

// Cancelling a capture (Ctrl-C) and a timeout both kill nmap's whole
// process group: no child of nmap outlives the run.
func TestRunStops(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc to see the processes")
	}
	for _, c := range []struct {
		name   string
		cancel bool
		want   error
	}{
		{"cancelled", true, context.Canceled},
		{"timeout", false, ErrTimeout},
	} {
		t.Run(c.name, func(t *testing.T) {
			opts := fakeNmap(t, "hang")
			pids := filepath.Join(t.TempDir(), "pids")
			t.Setenv("FAKE_NMAP_PIDS", pids)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if c.cancel {
				go func() {
					for {
						if _, err := os.Stat(pids); err == nil {
							cancel()
							return
						}
						time.Sleep(20 * time.Millisecond)
					}
				}()
			} else {
				opts.Timeout = 2 * time.Second
			}
			_, err := Run(ctx, opts)
			if !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
			b, rerr := os.ReadFile(pids)
			if rerr != nil {
				t.Fatalf("the fake nmap never started: %v", rerr)
			}
			for _, f := range strings.Fields(string(b)) {
				pid, _ := strconv.Atoi(f)
				deadline := time.Now().Add(5 * time.Second)
				for !processGone(pid) && time.Now().Before(deadline) {
					time.Sleep(20 * time.Millisecond)
				}
				if !processGone(pid) {
					t.Errorf("process %d outlived the capture", pid)
				}
			}
		})
	}
}

func TestArgumentsUDP(t *testing.T) {
	opts := Options{Target: loopback, UDP: true}
	args, skipped := arguments(opts, loopback, "/nonexistent/nmap")
	joined := strings.Join(args, " ")
	allowed, _ := rawSockets("/nonexistent/nmap")
	switch {
	case allowed && (!strings.Contains(joined, "-sU") || !strings.Contains(joined, "U:161,1900") || !strings.Contains(joined, "upnp-info,snmp-sysdescr")):
		t.Errorf("raw sockets allowed, but no UDP scan: %s", joined)
	case allowed && len(skipped) != 0:
		t.Errorf("raw sockets allowed, but skipped %+v", skipped)
	case !allowed && (strings.Contains(joined, "-sU") || len(skipped) != 2 || !strings.Contains(skipped[0].Reason, "raw sockets")):
		t.Errorf("no raw sockets: args %s, skipped %+v", joined, skipped)
	}
	args, skipped = arguments(Options{Target: loopback}, loopback, "/nonexistent/nmap")
	if strings.Contains(strings.Join(args, " "), "-sU") || len(skipped) != 2 || !strings.Contains(skipped[0].Reason, "--udp") {
		t.Errorf("without --udp: args %s, skipped %+v", args, skipped)
	}
	args, _ = arguments(Options{Target: netip.MustParseAddr("::1"), Ports: mustParsePorts("22")}, netip.MustParseAddr("::1"), "nmap")
	if got := strings.Join(args[len(args)-2:], " "); got != "-6 ::1" {
		t.Errorf("IPv6 target: %s", got)
	}
}

func TestParsePorts(t *testing.T) {
	cases := []struct {
		in, spec, err string
	}{
		{"80", "T:80", ""},
		{"80, 443,8000-8100", "T:80,443,8000-8100", ""},
		{"udp/161,22,UDP/1900,tcp/23", "T:22,23,U:161,1900", ""},
		{"0", "", "not a port number"},
		{"65536", "", "not a port number"},
		{"+80", "", "not a port number"},
		{"90-80", "", "ends before it starts"},
		{"sctp/80", "", "tcp or udp"},
		{",", "", "names no port"},
		{strings.Repeat("1,", 300), "", "more than 256"},
	}
	for _, c := range cases {
		name := c.in
		if len(name) > 24 {
			name = name[:24] + "..."
		}
		t.Run(name, func(t *testing.T) {
			l, err := ParsePorts(c.in)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := l.nmapSpec(); got != c.spec {
				t.Errorf("spec %q, want %q", got, c.spec)
			}
			again, err := ParsePorts(l.String())
			if err != nil || again.nmapSpec() != c.spec {
				t.Errorf("String %q does not parse back: %v", l.String(), err)
			}
		})
	}
	if DefaultPorts.has("udp") || !DefaultUDPPorts.has("udp") || DefaultPorts.count() < 20 {
		t.Errorf("default ports %s, %s", DefaultPorts, DefaultUDPPorts)
	}
}

func TestParseVersion(t *testing.T) {
	cases := []struct{ out, want, err string }{
		{"Nmap version 7.93 ( https://nmap.org )\nPlatform: x86_64-pc-linux-gnu\n", "7.93", ""},
		{"\nNmap version 7.95SVN ( https://nmap.org )\n", "7.95SVN", ""},
		{"Nmap version 7.80\n", "7.80", ""},
		{"nmap: command not found\n", "", "no \"Nmap version N\" line"},
		{"Nmap version \x1b[2J\n", "", "no \"Nmap version N\" line"},
		{"", "", "no \"Nmap version N\" line"},
	}
	for _, c := range cases {
		got, err := ParseVersion([]byte(c.out))
		if got != c.want || (err == nil) != (c.err == "") || err != nil && !strings.Contains(err.Error(), c.err) {
			t.Errorf("ParseVersion(%q) = %q, %v; want %q %q", c.out, got, err, c.want, c.err)
		}
	}
}

func TestParseTarget(t *testing.T) {
	for in, want := range map[string]string{"127.0.0.1": "127.0.0.1", " ::1 ": "::1", "::ffff:127.0.0.1": "127.0.0.1"} {
		if got, err := ParseTarget(in); err != nil || got.String() != want {
			t.Errorf("ParseTarget(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"localhost", "127.0.0.0/8", "fe80::1%eth0", ""} {
		if _, err := ParseTarget(in); err == nil {
			t.Errorf("ParseTarget(%q) took it", in)
		}
	}
}

func FuzzParsePorts(f *testing.F) {
	for _, s := range []string{"80", "80,443,8000-8100,udp/161", "tcp/1-65535", "udp/0", ",,", "1-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParsePorts(s)
		if err != nil {
			return
		}
		for _, r := range l {
			if r.From == 0 || r.To < r.From || r.Transport != "tcp" && r.Transport != "udp" {
				t.Fatalf("%q gave %+v", s, r)
			}
		}
		again, err := ParsePorts(l.String())
		if err != nil || again.nmapSpec() != l.nmapSpec() {
			t.Fatalf("%q: String %q does not parse back (%v)", s, l.String(), err)
		}
	})
}

func FuzzParseVersion(f *testing.F) {
	f.Add([]byte("Nmap version 7.93 ( https://nmap.org )\nPlatform: x86_64-pc-linux-gnu\n"))
	f.Add([]byte("Nmap version 7.95SVN\n"))
	f.Fuzz(func(t *testing.T, out []byte) {
		v, err := ParseVersion(out)
		if err != nil {
			return
		}
		if v == "" || len(v) > 32 || strings.ContainsAny(v, " \t\r\n\x1b") {
			t.Fatalf("version %q from %q", v, out)
		}
	})
}

func FuzzSummarise(f *testing.F) {
	for _, p := range []string{"testdata/fake/open.xml", "testdata/fake/closed.xml", "testdata/debian-servers.xml"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		s, _ := summarise(doc)
		if s.Open < 0 || s.Closed < 0 || s.Filtered < 0 || s.Hosts < 0 {
			t.Fatalf("negative counts %+v", s)
		}
	})
}
