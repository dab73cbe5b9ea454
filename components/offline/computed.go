package offline

import (
	"fmt"
	"strings"
)

// computed returns the outputs the mock engine reports for a custom resource: its inputs plus
// the attributes AWS would compute, shaped like the real ones so programs that build policies
// or URLs from them produce realistic values.
func computed(typ, name, id, region string, inputs map[string]any) map[string]any {
	out := make(map[string]any, len(inputs)+4)
	for k, v := range inputs {
		out[k] = v
	}
	set := func(k string, v any) {
		if _, ok := out[k]; !ok {
			out[k] = v
		}
	}
	str := func(k string) string {
		s, _ := inputs[k].(string)
		return s
	}
	physical := func(keys ...string) string {
		for _, k := range keys {
			if s := str(k); s != "" {
				return s
			}
		}
		return name
	}
	set("id", id)
	if strings.HasPrefix(typ, "gcp:") {
		computedGCP(typ, name, out, inputs)
		return out
	}
	if typ == "cloudflare:index/apiToken:ApiToken" {
		// A token's value exists only once Cloudflare mints it; a fixed stand-in lets tests
		// check what is derived from it.
		set("value", "offline-token-"+name)
		set("status", "active")
		return out
	}
	if !strings.HasPrefix(typ, "aws:") {
		return out
	}
	module := typ[len("aws:"):]
	if i := strings.IndexAny(module, "/:"); i >= 0 {
		module = module[:i]
	}
	arn := func(service, rest string) string {
		return fmt.Sprintf("arn:%s:%s:%s:%s:%s", Partition, service, region, Account, rest)
	}
	switch {
	case strings.HasPrefix(typ, "aws:s3/bucket:") || strings.HasPrefix(typ, "aws:s3/bucketV2:"):
		b := physical("bucket")
		out["id"] = b
		set("bucket", b)
		set("arn", fmt.Sprintf("arn:%s:s3:::%s", Partition, b))
		set("bucketDomainName", b+".s3.amazonaws.com")
		set("bucketRegionalDomainName", b+".s3."+region+".amazonaws.com")
		set("region", region)
	case strings.HasPrefix(typ, "aws:sqs/queue:"):
		q := physical("name")
		url := fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", region, Account, q)
		out["id"] = url
		set("name", q)
		set("url", url)
		set("arn", arn("sqs", q))
	case strings.HasPrefix(typ, "aws:sns/topic:"):
		t := physical("name")
		out["id"] = arn("sns", t)
		set("name", t)
		set("arn", arn("sns", t))
	case strings.HasPrefix(typ, "aws:lambda/function:"):
		f := physical("name")
		set("name", f)
		set("arn", arn("lambda", "function:"+f))
		set("qualifiedArn", arn("lambda", "function:"+f+":1"))
		set("invokeArn", fmt.Sprintf("arn:%s:apigateway:%s:lambda:path/2015-03-31/functions/%s/invocations",
			Partition, region, arn("lambda", "function:"+f)))
		set("version", "1")
	case strings.HasPrefix(typ, "aws:iam/role:"):
		r := physical("name")
		out["id"] = r
		set("name", r)
		set("arn", fmt.Sprintf("arn:%s:iam::%s:role%s%s", Partition, Account, pathOf(str("path")), r))
		set("uniqueId", "AROAOFFLINE"+strings.ToUpper(r))
	case strings.HasPrefix(typ, "aws:iam/policy:"):
		p := physical("name")
		set("name", p)
		set("arn", fmt.Sprintf("arn:%s:iam::%s:policy%s%s", Partition, Account, pathOf(str("path")), p))
	case strings.HasPrefix(typ, "aws:kms/key:"):
		k := "mrk-" + strings.ReplaceAll(name, "-", "")
		out["id"] = k
		set("keyId", k)
		set("arn", arn("kms", "key/"+k))
	case strings.HasPrefix(typ, "aws:kms/alias:"):
		set("arn", arn("kms", physical("name")))
	case strings.HasPrefix(typ, "aws:dynamodb/table:"):
		t := physical("name")
		out["id"] = t
		set("name", t)
		set("arn", arn("dynamodb", "table/"+t))
	case strings.HasPrefix(typ, "aws:cloudwatch/logGroup:"):
		g := physical("name")
		out["id"] = g
		set("name", g)
		set("arn", arn("logs", "log-group:"+g))
	case strings.HasPrefix(typ, "aws:cloudwatch/eventRule:"):
		set("name", physical("name"))
		set("arn", arn("events", "rule/"+physical("name")))
	case strings.HasPrefix(typ, "aws:cloudwatch/metricAlarm:"):
		set("arn", arn("cloudwatch", "alarm:"+physical("name")))
	case strings.HasPrefix(typ, "aws:mediaconvert/queue:"):
		q := physical("name")
		out["id"] = q
		set("name", q)
		set("arn", arn("mediaconvert", "queues/"+q))
	case strings.HasPrefix(typ, "aws:secretsmanager/secret:"):
		s := physical("name")
		set("name", s)
		out["id"] = arn("secretsmanager", "secret:"+s+"-AbCdEf")
		set("arn", arn("secretsmanager", "secret:"+s+"-AbCdEf"))
	case strings.HasPrefix(typ, "aws:cloudfront/distribution:"):
		did := "E" + strings.ToUpper(strings.ReplaceAll(name, "-", ""))
		out["id"] = did
		set("arn", fmt.Sprintf("arn:%s:cloudfront::%s:distribution/%s", Partition, Account, did))
		set("domainName", "d111111abcdef8.cloudfront.net")
		set("hostedZoneId", "Z2FDTNDATAQYW2")
		set("status", "Deployed")
	case strings.HasPrefix(typ, "aws:cloudfront/keyValueStore:"):
		set("arn", fmt.Sprintf("arn:%s:cloudfront::%s:key-value-store/%s", Partition, Account, id))
		set("etag", "ETVPDKIKX0DER")
	case strings.HasPrefix(typ, "aws:cloudfront/"):
		set("arn", fmt.Sprintf("arn:%s:cloudfront::%s:%s/%s", Partition, Account, module, id))
		set("etag", "E2QWRUHAPOMQZL")
	case strings.HasPrefix(typ, "aws:apigatewayv2/api:"):
		set("apiEndpoint", fmt.Sprintf("https://%s.execute-api.%s.amazonaws.com", id, region))
		set("executionArn", arn("execute-api", id))
		set("arn", fmt.Sprintf("arn:%s:apigateway:%s::/apis/%s", Partition, region, id))
	case strings.HasPrefix(typ, "aws:apigatewayv2/stage:"):
		set("invokeUrl", fmt.Sprintf("https://api-id.execute-api.%s.amazonaws.com/%s", region, physical("name")))
		set("arn", fmt.Sprintf("arn:%s:apigateway:%s::/apis/api-id/stages/%s", Partition, region, physical("name")))
	case strings.HasPrefix(typ, "aws:wafv2/webAcl:"):
		set("arn", arn("wafv2", "global/webacl/"+physical("name")+"/"+id))
	case strings.HasPrefix(typ, "aws:acm/certificate:"):
		set("arn", arn("acm", "certificate/"+id))
		set("status", "ISSUED")
		// DNS validation: one CNAME per name, shaped like ACM's.
		if str("validationMethod") == "DNS" {
			var dvos []any
			names := []any{str("domainName")}
			if sans, ok := inputs["subjectAlternativeNames"].([]any); ok {
				names = append(names, sans...)
			}
			for _, n := range names {
				d, _ := n.(string)
				if d == "" {
					continue
				}
				dvos = append(dvos, map[string]any{
					"domainName":          d,
					"resourceRecordName":  "_0123456789abcdef." + d + ".",
					"resourceRecordType":  "CNAME",
					"resourceRecordValue": "_fedcba9876543210.acm-validations.aws.",
				})
			}
			set("domainValidationOptions", dvos)
		}
	default:
		set("arn", arn(module, physical("name")))
	}
	return out
}

func pathOf(p string) string {
	if p == "" {
		return "/"
	}
	return p
}
