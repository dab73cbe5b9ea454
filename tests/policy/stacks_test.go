package policy_test

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// stackNames lists the stacks that have a stack file in stacks/.
func stackNames() ([]string, error) {
	files, err := filepath.Glob(filepath.Join(projectDir, "stacks", "Pulumi.*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no stack files in %s/stacks", projectDir)
	}
	var out []string
	for _, f := range files {
		out = append(out, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml"))
	}
	sort.Strings(out)
	return out, nil
}
