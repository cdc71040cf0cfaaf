package synth

// The vendors, embedded servers and banner vocabulary of the synthetic
// world. Every name is invented; the shapes (a Basic realm naming the
// model, "Boa/0.94.13", a dropbear of 2019, a BusyBox login prompt) are
// the ones wide-area scans of consumer devices in Japan show.

// deviceType is what a model is, in the registry's device_type words.
type deviceType string

const (
	typeRouter  deviceType = "router"
	typeCamera  deviceType = "camera"
	typeNVR     deviceType = "nvr"
	typeNAS     deviceType = "nas"
	typePrinter deviceType = "printer"
	typeHub     deviceType = "hub"
)

// deviceTypes and their shares among registered models: routers and
// cameras dominate both the certification lists and the scans.
var deviceTypes = []deviceType{typeRouter, typeCamera, typeNVR, typeNAS, typePrinter, typeHub}
var deviceTypeWeights = []float64{30, 25, 8, 10, 15, 12}

// vendor is a maker or a brand. OEM vendors build devices that other
// vendors sell under their own name (white label).
type vendor struct {
	name      string // as the registry lists it
	brand     string // as its banners spell it
	slug      string // for refs and host names
	org       string // certificate organisation
	country   string
	types     []deviceType
	scheme    string // firmware version scheme (registry/firmware.go)
	fullWidth bool   // lists model numbers in full-width characters
	dlpa      bool   // DLPA member (routers covered by rule)
	oem       bool
	prefix    map[deviceType]string
	series    map[deviceType]string // product line name; may be Japanese
}

// vendors are the makers whose models the registry lists. The first ones
// are Japanese brands; the OEMs at the end build for them.
var vendors = []vendor{
	{name: "Aokiri Networks", brand: "Aokiri", slug: "aokiri", org: "Aokiri Networks Co., Ltd.", country: "JP",
		types: []deviceType{typeRouter, typeHub}, scheme: "semver", fullWidth: true, dlpa: true,
		prefix: map[deviceType]string{typeRouter: "WX-", typeHub: "AH-"},
		series: map[deviceType]string{typeRouter: "AirStage", typeHub: "ホームゲート"}},
	{name: "Hanamura Denki", brand: "HANAMURA", slug: "hanamura", org: "Hanamura Denki K.K.", country: "JP",
		types: []deviceType{typeCamera, typeNVR, typeHub}, scheme: "dotted", fullWidth: true,
		prefix: map[deviceType]string{typeCamera: "HC-", typeNVR: "HN-", typeHub: "HB-"},
		series: map[deviceType]string{typeCamera: "みまもりカメラ", typeNVR: "みまもりレコーダー", typeHub: "スマートハブ"}},
	{name: "Sorane Communications", brand: "Sorane", slug: "sorane", org: "Sorane Communications Inc.", country: "JP",
		types: []deviceType{typeRouter}, scheme: "semver", fullWidth: true, dlpa: true,
		prefix: map[deviceType]string{typeRouter: "SR-"}, series: map[deviceType]string{typeRouter: "Sorane Hikari"}},
	{name: "Kazeoto Electric", brand: "KAZEOTO", slug: "kazeoto", org: "Kazeoto Electric Co., Ltd.", country: "JP",
		types: []deviceType{typePrinter}, scheme: "dotted",
		prefix: map[deviceType]string{typePrinter: "KP-"}, series: map[deviceType]string{typePrinter: "PrintMate"}},
	{name: "Tomoshibi Systems", brand: "Tomoshibi", slug: "tomoshibi", org: "Tomoshibi Systems Corp.", country: "JP",
		types: []deviceType{typeNAS}, scheme: "semver",
		prefix: map[deviceType]string{typeNAS: "TS-"}, series: map[deviceType]string{typeNAS: "DataBox"}},
	{name: "Yukimi Link", brand: "YUKIMI", slug: "yukimi", org: "Yukimi Link Co., Ltd.", country: "JP",
		types: []deviceType{typeRouter}, scheme: "netgear", dlpa: true,
		prefix: map[deviceType]string{typeRouter: "YL"}, series: map[deviceType]string{typeRouter: "Yukimi WiFi"}},
	{name: "Akebono Devices", brand: "AKEBONO", slug: "akebono", org: "Akebono Devices Inc.", country: "JP",
		types: []deviceType{typeCamera}, scheme: "semver", fullWidth: true,
		prefix: map[deviceType]string{typeCamera: "AC-"}, series: map[deviceType]string{typeCamera: "SkyEye"}},
	{name: "Hokuto Works", brand: "HOKUTO", slug: "hokuto", org: "Hokuto Works Ltd.", country: "JP",
		types: []deviceType{typeNAS, typePrinter}, scheme: "dotted",
		prefix: map[deviceType]string{typeNAS: "HW-", typePrinter: "HP-"},
		series: map[deviceType]string{typeNAS: "StoreCube", typePrinter: "LaserWorks"}},
	{name: "Sazanami Technologies", brand: "SAZANAMI", slug: "sazanami", org: "Sazanami Technologies K.K.", country: "JP",
		types: []deviceType{typeHub, typeCamera}, scheme: "semver",
		prefix: map[deviceType]string{typeHub: "SZ-", typeCamera: "SZC-"},
		series: map[deviceType]string{typeHub: "Sazanami Home", typeCamera: "Sazanami Cam"}},
	{name: "Kirameki Electronics", brand: "Kirameki", slug: "kirameki", org: "Kirameki Electronics Co., Ltd.", country: "JP",
		types: []deviceType{typePrinter, typeCamera}, scheme: "dotted", fullWidth: true,
		prefix: map[deviceType]string{typePrinter: "KE-", typeCamera: "KEC-"},
		series: map[deviceType]string{typePrinter: "Kirameki Print", typeCamera: "Kirameki Vision"}},
	{name: "Raicho Networks", brand: "RAICHO", slug: "raicho", org: "Raicho Networks Corporation", country: "JP",
		types: []deviceType{typeRouter}, scheme: "zyxel",
		prefix: map[deviceType]string{typeRouter: "RN"}, series: map[deviceType]string{typeRouter: "RAICHO Gateway"}},
	{name: "Shiokaze Denshi", brand: "SHIOKAZE", slug: "shiokaze", org: "Shiokaze Denshi K.K.", country: "JP",
		types: []deviceType{typeHub}, scheme: "semver",
		prefix: map[deviceType]string{typeHub: "SH-"}, series: map[deviceType]string{typeHub: "くらしハブ"}},
	{name: "Tsukushi Imaging", brand: "TSUKUSHI", slug: "tsukushi", org: "Tsukushi Imaging Co., Ltd.", country: "JP",
		types: []deviceType{typeCamera, typeNVR}, scheme: "dotted",
		prefix: map[deviceType]string{typeCamera: "TI-", typeNVR: "TIR-"},
		series: map[deviceType]string{typeCamera: "Tsukushi Cam", typeNVR: "Tsukushi NVR"}},
	{name: "Ginga Systems", brand: "GINGA", slug: "ginga", org: "Ginga Systems Inc.", country: "JP",
		types: []deviceType{typeNAS}, scheme: "semver", fullWidth: true,
		prefix: map[deviceType]string{typeNAS: "GS-"}, series: map[deviceType]string{typeNAS: "GINGA Station"}},
	{name: "Kohaku Printing Solutions", brand: "KOHAKU", slug: "kohaku", org: "Kohaku Printing Solutions Ltd.", country: "JP",
		types: []deviceType{typePrinter}, scheme: "dotted",
		prefix: map[deviceType]string{typePrinter: "KPS-"}, series: map[deviceType]string{typePrinter: "KOHAKU imageCraft"}},
	{name: "Hinode Telecom", brand: "Hinode", slug: "hinode", org: "Hinode Telecom Co., Ltd.", country: "JP",
		types: []deviceType{typeRouter, typeHub}, scheme: "semver", dlpa: true,
		prefix: map[deviceType]string{typeRouter: "HT-", typeHub: "HTH-"},
		series: map[deviceType]string{typeRouter: "Hinode Net", typeHub: "Hinode Home"}},
	{name: "Nijiiro Home", brand: "NIJIIRO", slug: "nijiiro", org: "Nijiiro Home K.K.", country: "JP",
		types: []deviceType{typeHub}, scheme: "semver",
		prefix: map[deviceType]string{typeHub: "NH-"}, series: map[deviceType]string{typeHub: "NIJIIRO Link"}},
	{name: "Asagiri Security", brand: "ASAGIRI", slug: "asagiri", org: "Asagiri Security Co., Ltd.", country: "JP",
		types: []deviceType{typeCamera, typeNVR}, scheme: "dotted", fullWidth: true,
		prefix: map[deviceType]string{typeCamera: "AS-", typeNVR: "ASR-"},
		series: map[deviceType]string{typeCamera: "防犯カメラ", typeNVR: "録画機"}},
	{name: "Sekirei Networks", brand: "SEKIREI", slug: "sekirei", org: "Sekirei Networks Inc.", country: "JP",
		types: []deviceType{typeRouter}, scheme: "semver", dlpa: true,
		prefix: map[deviceType]string{typeRouter: "SK-"}, series: map[deviceType]string{typeRouter: "SEKIREI Air"}},
	{name: "Mikazuki Vision", brand: "MIKAZUKI", slug: "mikazuki", org: "Mikazuki Vision Ltd.", country: "JP",
		types: []deviceType{typeCamera}, scheme: "dotted",
		prefix: map[deviceType]string{typeCamera: "MV-"}, series: map[deviceType]string{typeCamera: "Mikazuki Cam"}},
	{name: "Umibe Storage", brand: "UMIBE", slug: "umibe", org: "Umibe Storage Co., Ltd.", country: "JP",
		types: []deviceType{typeNAS}, scheme: "dotted",
		prefix: map[deviceType]string{typeNAS: "US-"}, series: map[deviceType]string{typeNAS: "UMIBE NAS"}},
	{name: "Hotaru Smart", brand: "HOTARU", slug: "hotaru", org: "Hotaru Smart K.K.", country: "JP",
		types: []deviceType{typeHub}, scheme: "semver",
		prefix: map[deviceType]string{typeHub: "HS-"}, series: map[deviceType]string{typeHub: "HOTARU Hub"}},
	{name: "Fuyuzora Denki", brand: "FUYUZORA", slug: "fuyuzora", org: "Fuyuzora Denki Co., Ltd.", country: "JP",
		types: []deviceType{typePrinter, typeRouter}, scheme: "dotted",
		prefix: map[deviceType]string{typePrinter: "FZ-", typeRouter: "FZR-"},
		series: map[deviceType]string{typePrinter: "FUYUZORA Office", typeRouter: "FUYUZORA Link"}},
	{name: "Hexlink Technology", brand: "Hexlink", slug: "hexlink", org: "Hexlink Technology Corp.", country: "TW",
		types: []deviceType{typeRouter, typeCamera}, scheme: "semver", oem: true,
		prefix: map[deviceType]string{typeRouter: "HX", typeCamera: "HXC"},
		series: map[deviceType]string{typeRouter: "Hexlink", typeCamera: "Hexlink Cam"}},
	{name: "Veltrix Corp.", brand: "VELTRIX", slug: "veltrix", org: "Veltrix Corporation", country: "TW",
		types: []deviceType{typeNAS, typeRouter}, scheme: "dotted", oem: true,
		prefix: map[deviceType]string{typeNAS: "VX-", typeRouter: "VXR-"},
		series: map[deviceType]string{typeNAS: "Veltrix Storage", typeRouter: "Veltrix Router"}},
	{name: "Pinecrest Microsystems", brand: "Pinecrest", slug: "pinecrest", org: "Pinecrest Microsystems Inc.", country: "TW",
		types: []deviceType{typeCamera, typeNVR}, scheme: "dotted", oem: true,
		prefix: map[deviceType]string{typeCamera: "PC", typeNVR: "PN"},
		series: map[deviceType]string{typeCamera: "Pinecrest IPC", typeNVR: "Pinecrest NVR"}},
	{name: "Lumora Vision", brand: "LUMORA", slug: "lumora", org: "Lumora Vision Co., Ltd.", country: "CN",
		types: []deviceType{typeCamera}, scheme: "semver", oem: true,
		prefix: map[deviceType]string{typeCamera: "LV-"}, series: map[deviceType]string{typeCamera: "LUMORA"}},
	{name: "Zentara Networks", brand: "ZENTARA", slug: "zentara", org: "Zentara Networks Ltd.", country: "CN",
		types: []deviceType{typeRouter}, scheme: "netgear", oem: true,
		prefix: map[deviceType]string{typeRouter: "ZN"}, series: map[deviceType]string{typeRouter: "ZENTARA"}},
	{name: "Orbisense", brand: "Orbisense", slug: "orbisense", org: "Orbisense Co., Ltd.", country: "KR",
		types: []deviceType{typeHub, typeCamera}, scheme: "semver",
		prefix: map[deviceType]string{typeHub: "OS-", typeCamera: "OSC-"},
		series: map[deviceType]string{typeHub: "Orbisense Hub", typeCamera: "Orbisense Cam"}},
	{name: "Quanlink Electronics", brand: "QUANLINK", slug: "quanlink", org: "Quanlink Electronics Co., Ltd.", country: "CN",
		types: []deviceType{typeNVR, typeCamera}, scheme: "dotted", oem: true,
		prefix: map[deviceType]string{typeNVR: "QL-N", typeCamera: "QL-C"},
		series: map[deviceType]string{typeNVR: "QUANLINK NVR", typeCamera: "QUANLINK IPC"}},
	{name: "Brightway Imaging", brand: "Brightway", slug: "brightway", org: "Brightway Imaging Corp.", country: "TW",
		types: []deviceType{typePrinter}, scheme: "dotted",
		prefix: map[deviceType]string{typePrinter: "BW-"}, series: map[deviceType]string{typePrinter: "Brightway"}},
	{name: "Solvane Devices", brand: "SOLVANE", slug: "solvane", org: "Solvane Devices Inc.", country: "KR",
		types: []deviceType{typeNAS}, scheme: "semver",
		prefix: map[deviceType]string{typeNAS: "SV"}, series: map[deviceType]string{typeNAS: "SOLVANE Cloud"}},
	{name: "Kestrel Home", brand: "Kestrel", slug: "kestrel", org: "Kestrel Home LLC", country: "US",
		types: []deviceType{typeHub}, scheme: "semver",
		prefix: map[deviceType]string{typeHub: "KH-"}, series: map[deviceType]string{typeHub: "Kestrel Home"}},
	{name: "Nordlys Networks", brand: "NORDLYS", slug: "nordlys", org: "Nordlys Networks GmbH", country: "DE",
		types: []deviceType{typeRouter}, scheme: "semver",
		prefix: map[deviceType]string{typeRouter: "NL-"}, series: map[deviceType]string{typeRouter: "NORDLYS Box"}},
	{name: "Cobaltine", brand: "COBALTINE", slug: "cobaltine", org: "Cobaltine Technology Co., Ltd.", country: "TW",
		types: []deviceType{typeCamera}, scheme: "dotted", oem: true,
		prefix: map[deviceType]string{typeCamera: "CB-"}, series: map[deviceType]string{typeCamera: "COBALTINE"}},
	{name: "Tavira Labs", brand: "TAVIRA", slug: "tavira", org: "Tavira Labs Lda.", country: "PT",
		types: []deviceType{typeHub}, scheme: "semver",
		prefix: map[deviceType]string{typeHub: "TV-"}, series: map[deviceType]string{typeHub: "TAVIRA Smart"}},
}

// outsideBrands sell devices no certification body lists: they appear in
// scans, never in the registry.
var outsideBrands = []vendor{
	{brand: "NetCamPro", slug: "netcampro", org: "NetCamPro", country: "CN", types: []deviceType{typeCamera, typeNVR}, scheme: "dotted"},
	{brand: "VisionGuard", slug: "visionguard", org: "VisionGuard Security", country: "CN", types: []deviceType{typeCamera, typeNVR}, scheme: "dotted"},
	{brand: "HomeGate", slug: "homegate", org: "HomeGate Ltd", country: "HK", types: []deviceType{typeRouter, typeHub}, scheme: "semver"},
	{brand: "WiLink", slug: "wilink", org: "WiLink Technology", country: "CN", types: []deviceType{typeRouter}, scheme: "semver"},
	{brand: "DigiEye", slug: "digieye", org: "DigiEye Co.", country: "CN", types: []deviceType{typeCamera}, scheme: "dotted"},
	{brand: "StorMax", slug: "stormax", org: "StorMax Inc.", country: "TW", types: []deviceType{typeNAS}, scheme: "semver"},
	{brand: "PrintLine", slug: "printline", org: "PrintLine Corp.", country: "US", types: []deviceType{typePrinter}, scheme: "dotted"},
	{brand: "SmartNest", slug: "smartnest", org: "SmartNest", country: "CN", types: []deviceType{typeHub}, scheme: "semver"},
}

// stack is the embedded web server a device is built on, with what nmap's
// service detection says of it and wappalyzer's technology name.
type stack struct {
	server  string // the Server header; "" sends none
	product string // nmap p/
	version string // nmap v/
	info    string // nmap i/
	cpe     string // nmap cpe (2.2 URI)
	tech    string // wappalyzer technology ("Name" or "Name:version")
	types   []deviceType
}

var stacks = []stack{
	{server: "lighttpd/1.4.35", product: "lighttpd", version: "1.4.35", cpe: "cpe:/a:lighttpd:lighttpd:1.4.35", tech: "lighttpd:1.4.35", types: []deviceType{typeRouter, typeCamera, typeNAS, typeHub}},
	{server: "lighttpd/1.4.45", product: "lighttpd", version: "1.4.45", cpe: "cpe:/a:lighttpd:lighttpd:1.4.45", tech: "lighttpd:1.4.45", types: []deviceType{typeRouter, typeNAS, typeHub, typePrinter}},
	{server: "lighttpd/1.4.54", product: "lighttpd", version: "1.4.54", cpe: "cpe:/a:lighttpd:lighttpd:1.4.54", tech: "lighttpd:1.4.54", types: []deviceType{typeRouter, typeCamera, typeNAS}},
	{server: "lighttpd/1.4.59", product: "lighttpd", version: "1.4.59", cpe: "cpe:/a:lighttpd:lighttpd:1.4.59", tech: "lighttpd:1.4.59", types: []deviceType{typeRouter, typeNAS, typeHub}},
	{server: "lighttpd/1.4.64", product: "lighttpd", version: "1.4.64", cpe: "cpe:/a:lighttpd:lighttpd:1.4.64", tech: "lighttpd:1.4.64", types: []deviceType{typeRouter, typeHub, typeNAS}},
	{server: "Boa/0.94.13", product: "Boa HTTPd", version: "0.94.13", cpe: "cpe:/a:boa:boa:0.94.13", tech: "Boa:0.94.13", types: []deviceType{typeCamera, typeNVR, typeRouter}},
	{server: "Boa/0.94.14rc21", product: "Boa HTTPd", version: "0.94.14rc21", cpe: "cpe:/a:boa:boa:0.94.14rc21", tech: "Boa:0.94.14rc21", types: []deviceType{typeCamera, typeNVR, typeRouter}},
	{server: "GoAhead-Webs", product: "GoAhead WebServer", cpe: "cpe:/a:embedthis:goahead", tech: "GoAhead", types: []deviceType{typeCamera, typeRouter, typePrinter}},
	{server: "GoAhead-http", product: "GoAhead WebServer", cpe: "cpe:/a:embedthis:goahead", tech: "GoAhead", types: []deviceType{typeCamera, typeNVR}},
	{server: "mini_httpd/1.30 26Oct2018", product: "mini_httpd", version: "1.30 26Oct2018", cpe: "cpe:/a:acme:mini_httpd:1.30", tech: "mini_httpd:1.30", types: []deviceType{typeRouter, typeCamera, typeHub}},
	{server: "mini_httpd/1.19 19dec2003", product: "mini_httpd", version: "1.19 19dec2003", cpe: "cpe:/a:acme:mini_httpd:1.19", tech: "mini_httpd:1.19", types: []deviceType{typeRouter, typeCamera}},
	{server: "RomPager/4.07 UPnP/1.0", product: "Allegro RomPager", version: "4.07", info: "UPnP/1.0", cpe: "cpe:/a:allegrosoft:rompager:4.07", tech: "Allegro RomPager:4.07", types: []deviceType{typeRouter, typePrinter}},
	{server: "thttpd/2.25b 29dec2003", product: "thttpd", version: "2.25b 29dec2003", cpe: "cpe:/a:acme:thttpd:2.25b", tech: "thttpd:2.25", types: []deviceType{typeCamera, typeNAS, typePrinter}},
	{server: "uc-httpd 1.0.0", product: "uc-httpd", version: "1.0.0", cpe: "cpe:/a:xiongmai:uc-httpd:1.0.0", tech: "uc-httpd:1.0.0", types: []deviceType{typeNVR, typeCamera}},
	{server: "IPCam-Webs", product: "IPCam-Webs", types: []deviceType{typeCamera, typeNVR}},
	{server: "NVR-Webs/1.0", product: "NVR-Webs", version: "1.0", types: []deviceType{typeNVR}},
	{server: "micro_httpd", product: "micro_httpd", cpe: "cpe:/a:acme:micro_httpd", tech: "micro_httpd", types: []deviceType{typeRouter, typeHub}},
	{server: "Jetty(9.4.43.v20210629)", product: "Jetty", version: "9.4.43.v20210629", cpe: "cpe:/a:eclipse:jetty:9.4.43.v20210629", tech: "Jetty:9.4.43", types: []deviceType{typePrinter, typeHub}},
	{server: "nginx", product: "nginx", cpe: "cpe:/a:igor_sysoev:nginx", tech: "Nginx", types: []deviceType{typeNAS, typeHub}},
	{server: "nginx/1.18.0", product: "nginx", version: "1.18.0", cpe: "cpe:/a:igor_sysoev:nginx:1.18.0", tech: "Nginx:1.18.0", types: []deviceType{typeNAS}},
	{server: "uhttpd", types: []deviceType{typeRouter}},
	{server: "", types: []deviceType{typeRouter, typeCamera, typePrinter, typeHub}},
	{server: "httpd", product: "", types: []deviceType{typeRouter, typePrinter, typeCamera}},
}

// dropbears are the SSH servers of embedded Linux; NAS boxes run OpenSSH.
var dropbears = []string{
	"SSH-2.0-dropbear_2012.55", "SSH-2.0-dropbear_2014.63", "SSH-2.0-dropbear_2015.67",
	"SSH-2.0-dropbear_2017.75", "SSH-2.0-dropbear_2018.76", "SSH-2.0-dropbear_2019.78",
	"SSH-2.0-dropbear_2020.81", "SSH-2.0-dropbear_2022.83",
}
var nasSSH = []string{"SSH-2.0-OpenSSH_7.4", "SSH-2.0-OpenSSH_8.2", "SSH-2.0-OpenSSH_8.8", "SSH-2.0-OpenSSH_9.3"}

// dropbearKex and opensshKex are what each offers in its KEXINIT.
var dropbearKex = []string{"curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp521", "ecdh-sha2-nistp384", "ecdh-sha2-nistp256", "diffie-hellman-group14-sha256", "diffie-hellman-group14-sha1", "kexguess2@matt.ucc.asn.au"}
var oldDropbearKex = []string{"diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1", "kexguess2@matt.ucc.asn.au"}
var opensshKex = []string{"curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521", "diffie-hellman-group-exchange-sha256", "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512", "diffie-hellman-group14-sha256"}

// Generic page titles, realms and certificate names of devices sold
// without a brand in their firmware: they collide across thousands of
// products and prove nothing.
var genericTitles = map[deviceType][]string{
	typeRouter:  {"Login", "Router Login", "Web Client", "index", "Wireless Router", "HTTP Server"},
	typeCamera:  {"IPCamera", "Network Camera", "Web Client", "Login", "IP Camera Viewer", "WEB SERVICE"},
	typeNVR:     {"NETSurveillance WEB", "WEB SERVICE", "NVR Login", "DVR Login", "Web Client"},
	typeNAS:     {"NAS", "Login", "Storage Manager", "index"},
	typePrinter: {"Printer Status", "Home Page", "Web Config", "Network Printer"},
	typeHub:     {"Login", "Smart Home", "Gateway", "index"},
}
var genericRealms = map[deviceType][]string{
	typeRouter:  {`Basic realm="index.htm"`, `Basic realm="router"`, `Basic realm="Login"`, `Basic realm="Broadband Router"`},
	typeCamera:  {`Basic realm="IP Camera"`, `Basic realm="Login"`, `Basic realm="index.html"`},
	typeNVR:     {`Basic realm="DVR"`, `Basic realm="NVR"`, `Basic realm="Login"`},
	typeNAS:     {`Basic realm="NAS"`, `Basic realm="Login"`},
	typePrinter: {`Basic realm="Printer"`, `Basic realm="Login"`},
	typeHub:     {`Basic realm="Gateway"`, `Basic realm="Login"`},
}
var genericCNs = []string{"localhost", "192.168.1.1", "192.168.0.1", "router.local", "ipcam", "self-signed", "device"}
var genericOrgs = []string{"", "Default Company Ltd", "IPCam", "Internet Widgits Pty Ltd"}

// rtspServers are the RTSP servers cameras embed.
var rtspServers = []string{"Rtsp Server/2.0", "GStreamer RTSP server", "HiIpcam/V100R003 VodServer/1.0.0", "LIVE555 Streaming Media v2018.08.28", "H264DVR 1.0"}

// typeWords name a device type in banners.
var typeWords = map[deviceType]string{
	typeRouter: "Router", typeCamera: "Network Camera", typeNVR: "NVR", typeNAS: "NAS", typePrinter: "Printer", typeHub: "Home Hub",
}
