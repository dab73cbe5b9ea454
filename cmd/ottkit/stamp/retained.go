package stamp

import (
	"encoding/json"
	"fmt"
	"sort"
)

// RetainedInDeployment returns the URNs of the resources in an exported stack state (the
// "deployment" of `pulumi stack export`, schema version 3 or 4) that are retained on delete and
// not already pending deletion: what `pulumi destroy` would stop managing without deleting.
// An empty deployment (a stack never deployed) retains nothing.
func RetainedInDeployment(deployment json.RawMessage) ([]string, error) {
	if len(deployment) == 0 {
		return nil, nil
	}
	// Only the fields this needs: the full apitype.DeploymentV3 would couple us to every field
	// newer CLIs add.
	var d struct {
		Resources []struct {
			URN            string `json:"urn"`
			Custom         bool   `json:"custom"`
			Delete         bool   `json:"delete"`
			RetainOnDelete bool   `json:"retainOnDelete"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(deployment, &d); err != nil {
		return nil, fmt.Errorf("stamp: decoding stack state: %w", err)
	}
	var urns []string
	for _, r := range d.Resources {
		if r.Custom && r.RetainOnDelete && !r.Delete {
			urns = append(urns, r.URN)
		}
	}
	sort.Strings(urns)
	return urns, nil
}
