// Package importertest writes synthetic scan result files for benchmarks
// and tests: large, varied enough to exercise every reader path, and
// deterministic for a seed.
package importertest

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
)

// addr returns the i-th address of a synthetic address space (100.64/10,
// shared address space: never a real target).
func addr(i int) netip.Addr {
	base := uint32(100<<24 | 64<<16)
	n := base + uint32(i)%(1<<22)
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
}

var servers = []string{"lighttpd/1.4.59", "Boa/0.94.14rc21", "micro_httpd", "GoAhead-Webs", "mini_httpd/1.30", "nginx"}

// shuffled is addr in no particular order: the multiplication by an odd
// number permutes the 2^22 addresses.
func shuffled(i int) netip.Addr { return addr(int(uint32(i) * 2654435761 % (1 << 22))) }

// Fingerprintx writes n fingerprintx JSON lines: mostly HTTP services with
// headers, then SSH, FTP and telnet, as a scan of home routers yields.
// Addresses come in order, two lines each, as fingerprintx writes a
// sorted target list.
func Fingerprintx(w io.Writer, n int, seed uint64) error { return fingerprintx(w, n, seed, addr) }

// FingerprintxShuffled is Fingerprintx with the addresses in no order,
// as a scanner that probes a random permutation (zmap, masscan) leaves
// them.
func FingerprintxShuffled(w io.Writer, n int, seed uint64) error {
	return fingerprintx(w, n, seed, shuffled)
}

func fingerprintx(w io.Writer, n int, seed uint64, addrOf func(int) netip.Addr) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for i := 0; i < n; i++ {
		ip := addrOf(i / 2)
		var err error
		switch k := r.IntN(10); {
		case k < 6:
			srv := servers[r.IntN(len(servers))]
			_, err = fmt.Fprintf(bw, `{"ip":"%s","port":%d,"protocol":"http","tls":false,"transport":"tcp","version":"%s","metadata":{"status":"401 Unauthorized","statusCode":401,"responseHeaders":{"Content-Type":["text/html"],"Date":["Mon, 01 Jan 2024 00:00:00 GMT"],"Server":["%s"],"Www-Authenticate":["Basic realm=\"R%d\""]},"technologies":["%s"]}}`+"\n",
				ip, 80+8000*(i%2), srv, srv, r.IntN(500), srv)
		case k < 8:
			_, err = fmt.Fprintf(bw, `{"ip":"%s","port":22,"protocol":"ssh","tls":false,"transport":"tcp","metadata":{"banner":"SSH-2.0-dropbear_20%02d.%d\r\n","passwordAuthEnabled":true,"algo":"map[Cookie:%016x KexAlgos:curve25519-sha256,diffie-hellman-group14-sha256 ServerHostKeyAlgos:ssh-ed25519]","hostKeyType":"ssh-ed25519","hostKeyFingerprint":"SHA256:%043d"}}`+"\n",
				ip, 10+r.IntN(15), r.IntN(90), r.Uint64(), r.IntN(1000))
		case k < 9:
			_, err = fmt.Fprintf(bw, `{"ip":"%s","port":21,"protocol":"ftp","tls":false,"transport":"tcp","version":"1.%d","metadata":{"banner":"220 FTP server ready\r\n"}}`+"\n", ip, r.IntN(9))
		default:
			_, err = fmt.Fprintf(bw, `{"ip":"%s","port":23,"protocol":"telnet","tls":false,"transport":"tcp","metadata":{"serverData":"fffd18fffd20fffd23fffd27%x"}}`+"\n", ip, []byte("login: "))
		}
		if err != nil {
			return err
		}
	}
	return bw.Flush()
}

// Nmap writes an nmap -oX document of hosts hosts with three open ports
// each (HTTP with title and server scripts, SSH with a host key, and a
// port nmap could only guess), as nmap 7.93 does.
func Nmap(w io.Writer, hosts int, seed uint64) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	fmt.Fprint(bw, `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE nmaprun>
<?xml-stylesheet href="file:///usr/bin/../share/nmap/nmap.xsl" type="text/xsl"?>
<nmaprun scanner="nmap" args="nmap -sV -oX - synthetic" start="1760000000" startstr="synthetic" version="7.93" xmloutputversion="1.05">
<scaninfo type="syn" protocol="tcp" numservices="3" services="22,80,8291"/>
`)
	for i := 0; i < hosts; i++ {
		srv := servers[r.IntN(len(servers))]
		_, err := fmt.Fprintf(bw, `<host starttime="%d" endtime="%d"><status state="up" reason="syn-ack" reason_ttl="52"/>
<address addr="%s" addrtype="ipv4"/>
<hostnames></hostnames>
<ports><extraports state="closed" count="997"><extrareasons reason="reset" count="997"/></extraports>
<port protocol="tcp" portid="80"><state state="open" reason="syn-ack" reason_ttl="52"/><service name="http" product="%s" method="probed" conf="10"><cpe>cpe:/a:acme:httpd</cpe></service><script id="http-title" output="Router R%d login"><elem key="title">Router R%d login</elem></script><script id="http-server-header" output="%s"><elem>%s</elem></script></port>
<port protocol="tcp" portid="22"><state state="open" reason="syn-ack" reason_ttl="52"/><service name="ssh" product="Dropbear sshd" version="20%02d.%d" extrainfo="protocol 2.0" ostype="Linux" method="probed" conf="10"><cpe>cpe:/a:matt_johnston:dropbear_ssh_server:20%02d.%d</cpe><cpe>cpe:/o:linux:linux_kernel</cpe></service><script id="ssh-hostkey" output="&#xa;  256 0a:1b (ED25519)"><table><elem key="key">AAAAC3NzaC1lZDI1NTE5AAAAI%043d</elem><elem key="type">ssh-ed25519</elem><elem key="bits">256</elem><elem key="fingerprint">0a1b2c3d4e5f60718293a4b5c6d7e8f9</elem></table></script></port>
<port protocol="tcp" portid="8291"><state state="open" reason="syn-ack" reason_ttl="52"/><service name="unknown" method="table" conf="3"/></port>
</ports><times srtt="1000" rttvar="500" to="100000"/></host>
`, 1760000000+i/100, 1760000000+i/100+5, addr(i), srv, r.IntN(500), r.IntN(500), srv, srv,
			10+r.IntN(15), r.IntN(90), 10+r.IntN(15), r.IntN(90), r.IntN(1000))
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(bw, `<runstats><finished time="1760001000" timestr="synthetic" elapsed="1000" summary="synthetic" exit="success"/><hosts up="%d" down="0" total="%d"/></runstats>
</nmaprun>
`, hosts, hosts)
	return bw.Flush()
}
