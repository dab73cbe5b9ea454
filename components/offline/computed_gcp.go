package offline

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// ProjectNumber is what the mock engine answers as the number of any GCP project, and what
// the service agents' emails carry.
const ProjectNumber = "123456789012"

// gcpProject answers gcp:organizations/getProject for the requested project id.
func gcpProject(args resource.PropertyMap) map[string]any {
	id := ""
	if v, ok := args["projectId"]; ok && v.IsString() {
		id = v.StringValue()
	}
	return map[string]any{"projectId": id, "number": ProjectNumber, "name": id, "id": "projects/" + id}
}

// computedGCP fills in the attributes Google Cloud computes, shaped like the real ones: full
// resource names as ids, self links, service account emails, function URLs.
func computedGCP(typ, name string, out, inputs map[string]any) {
	str := func(k string) string {
		s, _ := inputs[k].(string)
		return s
	}
	set := func(k string, v any) {
		if _, ok := out[k]; !ok || out[k] == "" {
			out[k] = v
		}
	}
	project := str("project")
	if project == "" {
		project = "offline-project"
	}
	physical := func(keys ...string) string {
		for _, k := range keys {
			if s := str(k); s != "" {
				return s
			}
		}
		return name
	}
	compute := func(kind string) {
		n := physical("name")
		link := fmt.Sprintf("https://www.googleapis.com/compute/v1/projects/%s/global/%s/%s", project, kind, n)
		out["id"] = fmt.Sprintf("projects/%s/global/%s/%s", project, kind, n)
		set("name", n)
		set("selfLink", link)
	}
	switch typ {
	case "gcp:storage/bucket:Bucket":
		b := physical("name")
		out["id"] = b
		set("name", b)
		set("url", "gs://"+b)
		set("selfLink", "https://www.googleapis.com/storage/v1/b/"+b)
	case "gcp:storage/bucketObject:BucketObject":
		set("generation", 1.0)
		set("mediaLink", fmt.Sprintf("https://storage.googleapis.com/download/storage/v1/b/%s/o/%s", str("bucket"), str("name")))
	case "gcp:kms/keyRing:KeyRing":
		out["id"] = fmt.Sprintf("projects/%s/locations/%s/keyRings/%s", project, str("location"), physical("name"))
	case "gcp:kms/cryptoKey:CryptoKey":
		out["id"] = fmt.Sprintf("%s/cryptoKeys/%s", str("keyRing"), physical("name"))
	case "gcp:pubsub/topic:Topic":
		out["id"] = fmt.Sprintf("projects/%s/topics/%s", project, physical("name"))
		set("name", physical("name"))
	case "gcp:pubsub/subscription:Subscription":
		out["id"] = fmt.Sprintf("projects/%s/subscriptions/%s", project, physical("name"))
		set("name", physical("name"))
	case "gcp:serviceaccount/account:Account":
		email := fmt.Sprintf("%s@%s.iam.gserviceaccount.com", str("accountId"), project)
		out["id"] = fmt.Sprintf("projects/%s/serviceAccounts/%s", project, email)
		set("email", email)
		set("name", out["id"])
		set("member", "serviceAccount:"+email)
		set("uniqueId", "1"+strings.Repeat("0", 20))
	case "gcp:projects/iAMCustomRole:IAMCustomRole":
		out["id"] = fmt.Sprintf("projects/%s/roles/%s", project, str("roleId"))
		set("name", out["id"])
	case "gcp:firestore/database:Database":
		out["id"] = fmt.Sprintf("projects/%s/databases/%s", project, physical("name"))
		set("name", physical("name"))
	case "gcp:cloudtasks/queue:Queue":
		out["id"] = fmt.Sprintf("projects/%s/locations/%s/queues/%s", project, str("location"), physical("name"))
		set("name", physical("name"))
	case "gcp:secretmanager/secret:Secret":
		out["id"] = fmt.Sprintf("projects/%s/secrets/%s", project, str("secretId"))
		set("name", fmt.Sprintf("projects/%s/secrets/%s", ProjectNumber, str("secretId")))
	case "gcp:artifactregistry/repository:Repository":
		out["id"] = fmt.Sprintf("projects/%s/locations/%s/repositories/%s", project, str("location"), str("repositoryId"))
		set("name", str("repositoryId"))
	case "gcp:cloudfunctionsv2/function:Function":
		n := physical("name")
		out["id"] = fmt.Sprintf("projects/%s/locations/%s/functions/%s", project, str("location"), n)
		set("url", fmt.Sprintf("https://%s-%s.cloudfunctions.net/%s", str("location"), project, n))
		if sc, ok := out["serviceConfig"].(map[string]any); ok {
			cp := make(map[string]any, len(sc)+2)
			for k, v := range sc {
				cp[k] = v
			}
			cp["service"] = n
			cp["uri"] = fmt.Sprintf("https://%s-%s.a.run.app", n, "offline")
			out["serviceConfig"] = cp
		}
	case "gcp:apigateway/api:Api":
		out["id"] = fmt.Sprintf("projects/%s/locations/global/apis/%s", project, str("apiId"))
		set("name", out["id"])
	case "gcp:apigateway/apiConfig:ApiConfig":
		out["id"] = fmt.Sprintf("projects/%s/locations/global/apis/%s/configs/%s1", project, str("api"), str("apiConfigIdPrefix"))
	case "gcp:apigateway/gateway:Gateway":
		out["id"] = fmt.Sprintf("projects/%s/locations/%s/gateways/%s", project, str("region"), str("gatewayId"))
		set("defaultHostname", str("gatewayId")+"-offline.uc.gateway.dev")
	case "gcp:compute/globalAddress:GlobalAddress":
		compute("addresses")
		set("address", "203.0.113.10")
	case "gcp:compute/backendBucket:BackendBucket":
		compute("backendBuckets")
	case "gcp:compute/backendService:BackendService":
		compute("backendServices")
	case "gcp:compute/uRLMap:URLMap":
		compute("urlMaps")
	case "gcp:compute/targetHttpsProxy:TargetHttpsProxy":
		compute("targetHttpsProxies")
	case "gcp:compute/targetHttpProxy:TargetHttpProxy":
		compute("targetHttpProxies")
	case "gcp:compute/sSLPolicy:SSLPolicy":
		compute("sslPolicies")
	case "gcp:compute/managedSslCertificate:ManagedSslCertificate":
		compute("sslCertificates")
	case "gcp:compute/securityPolicy:SecurityPolicy":
		compute("securityPolicies")
	case "gcp:compute/regionNetworkEndpointGroup:RegionNetworkEndpointGroup":
		n := physical("name")
		out["id"] = fmt.Sprintf("projects/%s/regions/%s/networkEndpointGroups/%s", project, str("region"), n)
		set("selfLink", "https://www.googleapis.com/compute/v1/"+out["id"].(string))
	case "gcp:logging/projectBucketConfig:ProjectBucketConfig":
		out["id"] = fmt.Sprintf("projects/%s/locations/%s/buckets/%s", project, str("location"), str("bucketId"))
		set("name", out["id"])
	case "gcp:monitoring/notificationChannel:NotificationChannel":
		out["id"] = fmt.Sprintf("projects/%s/notificationChannels/%s", project, name)
		set("name", out["id"])
	case "gcp:monitoring/dashboard:Dashboard":
		out["id"] = fmt.Sprintf("projects/%s/dashboards/%s", ProjectNumber, name)
	case "gcp:monitoring/alertPolicy:AlertPolicy":
		out["id"] = fmt.Sprintf("projects/%s/alertPolicies/%s", project, name)
		set("name", out["id"])
	}
}
