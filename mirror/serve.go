package mirror

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
)

// A directory mirror is a static tree, so any web server can serve it.
// Two need telling about it: nginx has no MIME type for .info, .mod or the
// extension-less list, which only matters for browsers; IIS refuses to
// serve any file whose extension it has no MIME type for (404.3), which
// includes list, the sumdb lookups (whose "extension" is the end of a
// version, like ".0") and tiles, and by default it rejects the '+' of
// +incompatible versions as double escaping.

// NginxLocation returns an nginx location block serving root at prefix
// (for example "/goproxy/").
func NginxLocation(root, prefix string) string {
	prefix = "/" + strings.Trim(prefix, "/") + "/"
	if prefix == "//" {
		prefix = "/"
	}
	return fmt.Sprintf(`location %s {
    alias %s;
    default_type text/plain;        # list, tiles and lookups have no extension
    types {
        application/json  info;
        text/plain        mod;
        application/zip   zip;
    }
    autoindex off;
}
`, prefix, nginxString(filepath.ToSlash(filepath.Clean(root))+"/"))
}

// nginxString quotes s for an nginx directive when it needs it: a space
// or a ';' would end the argument.
func nginxString(s string) string {
	if !strings.ContainsAny(s, " \t;{}#'\"\\") {
		return s
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// IISWebConfig is a web.config for the mirror root.
const IISWebConfig = `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by modcache: lets IIS serve a GOPROXY tree. -->
<configuration>
  <system.webServer>
    <staticContent>
      <remove fileExtension=".info" />
      <mimeMap fileExtension=".info" mimeType="application/json" />
      <remove fileExtension=".mod" />
      <mimeMap fileExtension=".mod" mimeType="text/plain" />
      <remove fileExtension=".zip" />
      <mimeMap fileExtension=".zip" mimeType="application/zip" />
      <!-- list, sumdb/<db>/supported and tiles have no extension -->
      <remove fileExtension="." />
      <mimeMap fileExtension="." mimeType="text/plain" />
      <!-- sumdb lookups end in a version, such as "@v1.2.0" -->
      <remove fileExtension=".*" />
      <mimeMap fileExtension=".*" mimeType="application/octet-stream" />
    </staticContent>
    <security>
      <!-- versions such as v2.0.0+incompatible contain '+' -->
      <requestFiltering allowDoubleEscaping="true" />
    </security>
  </system.webServer>
</configuration>
`

// CheckIISConfig says why t cannot take IISWebConfig: only a GOPROXY
// directory tree can.
func CheckIISConfig(t Target) error {
	if d, ok := t.(*dirTarget); !ok || d.athens {
		return fmt.Errorf("%s is not a directory mirror; web.config only makes sense in one", t)
	}
	return nil
}

// WriteIISConfig writes IISWebConfig into a directory mirror's root.
func WriteIISConfig(t Target) (string, error) {
	if err := CheckIISConfig(t); err != nil {
		return "", err
	}
	p := filepath.Join(t.(*dirTarget).root, "web.config") // writeAtomic makes the root
	src := BytesSource([]byte(IISWebConfig))
	if err := writeAtomic(context.Background(), p, src, nil); err != nil {
		return "", err
	}
	return p, nil
}

// ServeHelp explains how to serve a directory mirror and how clients use
// it; "" for other targets.
func ServeHelp(t Target, s ClientSettings) string {
	d, ok := t.(*dirTarget)
	if !ok || d.athens {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Serve %s with any static web server. Clients then set GOPROXY=https://<host>/goproxy/ (or %s on this machine).\n\n", d.root, s.GOPROXY)
	fmt.Fprintf(&b, "nginx:\n\n%s\n", indent(NginxLocation(d.root, "/goproxy/")))
	fmt.Fprintf(&b, "IIS: point a site or virtual directory at %s and add this web.config (modcache push --iis writes it):\n\n%s", d.root, indent(IISWebConfig))
	return b.String()
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "    " + l
	}
	return strings.Join(lines, "\n") + "\n"
}
