//go:build tools

// Package tools pins the Pulumi CLI's module so `go build` can build its command.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
