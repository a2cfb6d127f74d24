// Package mirror pushes module versions from the local module cache to a
// mirror that the go command can use offline, and brings them back: it is
// the domain side of `modcache push`, `sync`, `fetch` and `import`, and of
// the TUI's push and fetch actions. It has no UI imports.
//
// A push is a plan, then its execution, as everywhere in modcache:
//
//	plan, err := mirror.BuildPlan(ctx, cache, mirror.Selection{...}, target)
//	push := mirror.NewPush(plan, target, mirror.PushOptions{})
//	result, err := push.Run(ctx)   // poll push.Progress() meanwhile
//
// The plan says which versions go in full (.info, .mod, .zip) and which
// graph-only (.mod), what the target already holds, and which versions are
// refused and why: nothing leaves unverified (verify.go). The closure of a
// selection comes from the cached go.mod files (closure.go) or from the go
// command in a project (project.go); what the cache lacks is downloaded by
// go, which verifies it. Lists are merged and written last, then the
// checksum database files become "supported" (sumdb.go).
//
// Targets (target.go) are chosen by URL: a directory (dir.go) or Athens'
// storage (athens.go), S3 (s3.go), HTTP PUT (httpput.go) and bundles
// (bundle.go). Each can also be browsed (Browser). Import (import.go,
// cachewrite.go) unpacks a bundle into a mirror or a module cache, and
// Fetch (fetch.go) fills the module cache through the go command.
package mirror
