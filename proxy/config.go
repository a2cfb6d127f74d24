package proxy

import (
	"net/http"
	"time"

	modzip "golang.org/x/mod/zip"
)

// DefaultGOPROXY is what the go command uses when GOPROXY is empty.
const DefaultGOPROXY = "https://proxy.golang.org,direct"

// Defaults for the zero values in Config.
const (
	DefaultTimeout         = 30 * time.Second
	DefaultZipStallTimeout = 30 * time.Second

	// .mod files are the largest metadata the protocol serves, and the go
	// command refuses any larger than this; list and .info are far smaller.
	DefaultMaxMetaBytes = modzip.MaxGoMod

	// The go command refuses module zips larger than this.
	DefaultMaxZipBytes = modzip.MaxZipFile
)

// Config holds everything a Client needs. The go-env fields carry the raw
// values of the variables of the same name; ConfigFromEnv fills them from a
// goenv.Env. Zero durations and sizes mean the defaults above.
type Config struct {
	GOPROXY    string
	GONOPROXY  string
	GOPRIVATE  string
	GOINSECURE string
	GOAUTH     string

	// NetrcPath overrides where credentials are read from. Empty means what
	// the go command uses: $NETRC, else ~/.netrc (%USERPROFILE%\_netrc on
	// Windows when it exists).
	NetrcPath string

	// Timeout bounds each metadata request (list, .info, .mod, @latest,
	// one catalog page) from dial to the last byte.
	Timeout time.Duration

	// ZipStallTimeout bounds how long a .zip download may go without
	// receiving a byte. Zips can be hundreds of MiB on a slow link, so a
	// total limit would either be too long to notice a dead server or too
	// short for a big module.
	ZipStallTimeout time.Duration

	MaxMetaBytes int64 // cap on list, .info, .mod, @latest and catalog bodies
	MaxZipBytes  int64 // cap on .zip bodies

	// HTTPClient is used for http and https remotes; nil builds one with
	// transport timeouts and the environment's HTTP(S)_PROXY settings.
	HTTPClient *http.Client
}

// ConfigFromEnv takes the variables the go command reads from env (as
// returned by goenv.Run) and leaves the rest at their defaults. NETRC is
// used when env has it; goenv does not ask go for it (it is not a go env
// variable), and an empty NetrcPath reads $NETRC from the process anyway.
func ConfigFromEnv(env map[string]string) Config {
	return Config{
		GOPROXY:    env["GOPROXY"],
		GONOPROXY:  env["GONOPROXY"],
		GOPRIVATE:  env["GOPRIVATE"],
		GOINSECURE: env["GOINSECURE"],
		GOAUTH:     env["GOAUTH"],
		NetrcPath:  env["NETRC"],
	}
}

// orDefault is d, or DefaultTimeout for zero: the one place the rule
// "no timeout set means the default" is written.
func orDefault(d time.Duration) time.Duration {
	if d <= 0 {
		return DefaultTimeout
	}
	return d
}

func (cfg Config) withDefaults() Config {
	cfg.Timeout = orDefault(cfg.Timeout)
	if cfg.ZipStallTimeout <= 0 {
		cfg.ZipStallTimeout = DefaultZipStallTimeout
	}
	if cfg.MaxMetaBytes <= 0 {
		cfg.MaxMetaBytes = DefaultMaxMetaBytes
	}
	if cfg.MaxZipBytes <= 0 {
		cfg.MaxZipBytes = DefaultMaxZipBytes
	}
	return cfg
}
