// Package fuzz owns bpflab's cross-package checks: generators that turn fuzz
// bytes into well-formed programs, differential fuzz targets between engines
// (interpreter, JIT, verifier, live kernel), and the import-rule test that
// keeps the package layering of docs/ARCHITECTURE.md true.
package fuzz
