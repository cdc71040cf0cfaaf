package synth

import (
	"fmt"
	"strings"
)

// Ordinary Internet servers: web, SSH, mail and FTP servers of companies
// and hosting customers, on the same ports as devices. None is a device
// model; all are "unknown".

var webServers = []struct{ server, product, version, info, cpe, tech string }{
	{"nginx/1.18.0 (Ubuntu)", "nginx", "1.18.0", "Ubuntu", "cpe:/a:igor_sysoev:nginx:1.18.0", "Nginx:1.18.0"},
	{"nginx/1.24.0", "nginx", "1.24.0", "", "cpe:/a:igor_sysoev:nginx:1.24.0", "Nginx:1.24.0"},
	{"nginx", "nginx", "", "", "cpe:/a:igor_sysoev:nginx", "Nginx"},
	{"Apache/2.4.41 (Ubuntu)", "Apache httpd", "2.4.41", "(Ubuntu)", "cpe:/a:apache:http_server:2.4.41", "Apache HTTP Server:2.4.41"},
	{"Apache/2.4.57 (Debian)", "Apache httpd", "2.4.57", "(Debian)", "cpe:/a:apache:http_server:2.4.57", "Apache HTTP Server:2.4.57"},
	{"Apache", "Apache httpd", "", "", "cpe:/a:apache:http_server", "Apache HTTP Server"},
	{"Microsoft-IIS/10.0", "Microsoft IIS httpd", "10.0", "", "cpe:/a:microsoft:internet_information_services:10.0", "IIS:10.0"},
	{"LiteSpeed", "LiteSpeed httpd", "", "", "cpe:/a:litespeedtech:litespeed_web_server", "LiteSpeed"},
}

var webTitles = map[string][]string{
	"nginx":     {"Welcome to nginx!", "403 Forbidden", "{site}"},
	"Apache":    {"Apache2 Ubuntu Default Page: It works", "Apache2 Debian Default Page: It works", "{site}", "Index of /"},
	"Microsoft": {"IIS Windows Server", "{site}"},
	"LiteSpeed": {"{site}", "404 Not Found"},
}

var siteWords = []string{"株式会社さくら工業", "Yamada Clinic", "Tanaka Law Office", "みどり保育園", "Kobe Parts Trading", "Hokkaido Tours", "Shop Hanabi", "Ueno Dental", "Nagoya Logistics", "ひまわり不動産"}

var opensshDistros = []struct{ banner, version string }{
	{"SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.11", "8.2p1 Ubuntu 4ubuntu0.11"},
	{"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10", "8.9p1 Ubuntu 3ubuntu0.10"},
	{"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", "9.2p1 Debian 2+deb12u3"},
	{"SSH-2.0-OpenSSH_7.4", "7.4"},
	{"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5", "9.6p1 Ubuntu 3ubuntu13.5"},
}

var caNames = []struct{ cn, o string }{{"R10", "Let's Encrypt"}, {"R11", "Let's Encrypt"}, {"E5", "Let's Encrypt"}, {"JPRS DV CA G4", "Japan Registry Services Co., Ltd."}}

// server draws an ordinary server: a web site, often with SSH, some with
// mail or FTP.
func (g *generator) server(r rng, h *host) *device {
	d := &device{label: "server"}
	name := fmt.Sprintf("%s%d.example.jp", pick(r, []string{"www", "web", "host", "srv", "mail", "vps"}), r.between(1, 999))
	site := pick(r, siteWords)
	add := func(t *svcTemplate) {
		d.svcs = append(d.svcs, g.render(r, h, d, t, t.port, r.upperHex(6), r.upperHex(8)))
	}
	web, ssh, mail, ftp := r.chance(0.72), r.chance(0.45), r.chance(0.12), r.chance(0.08)
	if !web && !ssh && !mail && !ftp {
		web = true
	}
	if web {
		ws := webServers[r.IntN(len(webServers))]
		word, _, _ := strings.Cut(ws.server, "/")
		word, _, _ = strings.Cut(word, "-")
		title := strings.ReplaceAll(pick(r, webTitles[word]), "{site}", site)
		t := &svcTemplate{kind: kindHTTP, port: 80, status: 200, title: title, server: ws.server, nmapName: "http",
			product: ws.product, version: ws.version, info: ws.info, cpe: ws.cpe, tech: ws.tech,
			headers: [][2]string{{"Content-Type", "text/html; charset=UTF-8"}}}
		if strings.HasPrefix(title, "403") {
			t.status = 403
		}
		if strings.HasPrefix(title, "404") {
			t.status = 404
		}
		if r.chance(0.6) {
			ca := pick(r, caNames)
			tls := *t
			tls.port, tls.tls, tls.nmapName = 443, true, "https"
			tls.cert = &certTemplate{cn: name, issuerCN: ca.cn, issuerO: ca.o, perDeviceKey: true}
			if r.chance(0.5) {
				// Port 80 only redirects to HTTPS.
				t.status, t.location, t.title = 301, "https://"+name+"/", "301 Moved Permanently"
			}
			add(t)
			add(&tls)
		} else {
			add(t)
		}
	}
	if ssh {
		o := pick(r, opensshDistros)
		add(&svcTemplate{kind: kindSSH, port: pick(r, []uint16{22, 22, 22, 2222, 10022}), ssh: o.banner, keyType: pick(r, []string{"ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa"}),
			kex: opensshKex, nmapName: "ssh", product: "OpenSSH", version: o.version, info: "protocol 2.0", os: "Linux", cpe: "cpe:/a:openbsd:openssh:" + strings.Fields(o.version)[0]})
	}
	if mail {
		greet := pick(r, []string{"220 " + name + " ESMTP Postfix (Ubuntu)", "220 " + name + " ESMTP Postfix", "220 " + name + " ESMTP Exim 4.96 Thu, 01 Oct 2026 09:00:00 +0900", "220 " + name + " Microsoft ESMTP MAIL Service ready"})
		product := "Postfix smtpd"
		if strings.Contains(greet, "Exim") {
			product = "Exim smtpd"
		}
		for _, port := range []uint16{25, 587} {
			add(&svcTemplate{kind: kindSMTP, port: port, text: greet, nmapName: "smtp", product: product})
		}
	}
	if ftp {
		greet := pick(r, []string{"220 (vsFTPd 3.0.5)", "220 Microsoft FTP Service", "220 ProFTPD Server (Debian) [{ip}]", "220 FileZilla Server 1.8.0"})
		add(&svcTemplate{kind: kindFTP, port: 21, text: greet, nmapName: "ftp"})
	}
	return d
}
