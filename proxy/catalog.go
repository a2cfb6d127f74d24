package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"golang.org/x/mod/module"
)

// catalogPageSize is what Athens uses when no size is asked for.
const catalogPageSize = 1000

// maxCatalogPages stops a server whose "next" token never runs out.
const maxCatalogPages = 10000

// Catalog lists the module paths r holds, sorted. A file:// tree is walked.
// An http remote is asked for Athens' `GET /catalog?pagesize=&token=`,
// the only enumeration any GOPROXY server offers; remotes without it (the
// protocol itself has none) give an error matching ErrNoCatalog.
func (c *Client) Catalog(ctx context.Context, r Remote) ([]string, error) {
	q := req{r: r, op: "catalog"}
	switch r.Kind {
	case KindFile:
		paths, err := catalogFile(ctx, r)
		if err != nil {
			return nil, q.fail(ctx, err)
		}
		return paths, nil
	case KindHTTP:
		return c.catalogHTTP(ctx, q)
	}
	_, err := c.open(ctx, q, "", nil) // direct and off explain themselves
	return nil, err
}

type catalogPage struct {
	Modules []struct {
		Module  string `json:"module"`
		Version string `json:"version"`
	} `json:"modules"`
	Next string `json:"next"`
}

func (c *Client) catalogHTTP(ctx context.Context, q req) ([]string, error) {
	seen := map[string]bool{}
	token := ""
	for range maxCatalogPages {
		query := url.Values{"pagesize": {strconv.Itoa(catalogPageSize)}}
		if token != "" {
			query.Set("token", token)
		}
		data, err := c.fetch(ctx, q, "catalog", query)
		if err != nil {
			return nil, noCatalog(err)
		}
		var page catalogPage
		if err := json.Unmarshal(data, &page); err != nil {
			// Some servers answer any path with a page of HTML.
			return nil, q.fail(nil, fmt.Errorf("%w: answer is not a catalog (%v)", ErrNoCatalog, err))
		}
		for _, m := range page.Modules {
			// A path that is no import path (empty, or with control
			// characters to put on a terminal) is nothing go could ask for.
			if module.CheckImportPath(m.Module) == nil {
				seen[m.Module] = true
			}
		}
		if page.Next == "" || page.Next == token {
			break
		}
		token = page.Next
	}
	paths := make([]string, 0, len(seen))
	for p := range seen {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return paths, nil
}

// noCatalog marks the answers that mean "this server has no /catalog":
// not found, Athens' 501 for storage backends that cannot list, and the
// 400 that proxy.golang.org gives for a path that is not a module.
func noCatalog(err error) error {
	var e *Error
	if errors.As(err, &e) {
		switch e.Status {
		case http.StatusBadRequest, http.StatusNotFound, http.StatusGone, http.StatusMethodNotAllowed, http.StatusNotImplemented:
			e.Err = ErrNoCatalog
		}
	}
	return err
}
