package keys_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	secretmanager "cloud.google.com/go/secretmanager/apiv1"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/ottkit/ottkit/cmd/ottkit/keys"
	"github.com/ottkit/ottkit/functions/gcp/cdnsign"
)

const (
	gcpProject  = "acme-video"
	cdnDomain   = "media.acme.example"
	cdnBucket   = "acme-prod-delivery-media"
	cdnPrefix   = "acme-prod"
	cdnSegment  = "https://" + cdnDomain + "/assets/a1/hls/720p/seg-00001.m4s"
	gcpStackYML = `config:
  gcp:project: acme-video
  gcp:region: europe-west1
  ottkit:cloud: gcp
  ottkit:customer: acme
  ottkit:environment: prod
  ottkit:archiveStorageClass: ARCHIVE
  ottkit:domain: media.acme.example
  ottkit:jwtIssuer: https://auth.acme.example/
  ottkit:jwtAudience:
    - acme-player
  ottkit:playbackTtl: 3600
`
)

// fakeSecretManager is Secret Manager as the rotation and the api use it: secrets exist only
// if the program created them (AddSecretVersion on another is NOT_FOUND), versions are
// numbered, latest is the newest not destroyed, destroyed versions cannot be read.
type fakeSecretManager struct {
	secretmanagerpb.UnimplementedSecretManagerServiceServer
	mu       sync.Mutex
	versions map[string][]*secretmanagerpb.SecretVersion // by secret
	data     map[string][]byte                           // by version name
	created  []string                                    // by CreateSecret
}

func (f *fakeSecretManager) AddSecretVersion(_ context.Context, r *secretmanagerpb.AddSecretVersionRequest) (*secretmanagerpb.SecretVersion, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	vs, ok := f.versions[r.GetParent()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Secret [%s] not found.", r.GetParent())
	}
	p := r.GetPayload()
	if p.DataCrc32C != nil && int64(crc32.Checksum(p.Data, crc32.MakeTable(crc32.Castagnoli))) != p.GetDataCrc32C() {
		return nil, status.Error(codes.InvalidArgument, "data_crc32c does not match")
	}
	v := &secretmanagerpb.SecretVersion{Name: fmt.Sprintf("%s/versions/%d", r.GetParent(), len(vs)+1), State: secretmanagerpb.SecretVersion_ENABLED}
	f.versions[r.GetParent()] = append(vs, v)
	f.data[v.Name] = append([]byte(nil), p.Data...)
	return v, nil
}

func (f *fakeSecretManager) CreateSecret(_ context.Context, r *secretmanagerpb.CreateSecretRequest) (*secretmanagerpb.Secret, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	name := r.GetParent() + "/secrets/" + r.GetSecretId()
	um := r.GetSecret().GetReplication().GetUserManaged()
	if len(um.GetReplicas()) != 1 || um.GetReplicas()[0].GetCustomerManagedEncryption().GetKmsKeyName() == "" {
		return nil, status.Error(codes.InvalidArgument, "this fake wants one user-managed replica with a CMEK key")
	}
	if _, ok := f.versions[name]; ok {
		return nil, status.Errorf(codes.AlreadyExists, "Secret [%s] already exists.", name)
	}
	f.versions[name] = nil
	f.created = append(f.created, name)
	return &secretmanagerpb.Secret{Name: name}, nil
}

func (f *fakeSecretManager) AccessSecretVersion(_ context.Context, r *secretmanagerpb.AccessSecretVersionRequest) (*secretmanagerpb.AccessSecretVersionResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	secret, version, _ := strings.Cut(r.GetName(), "/versions/")
	vs, ok := f.versions[secret]
	if !ok || version != "latest" {
		return nil, status.Errorf(codes.NotFound, "Secret Version [%s] not found.", r.GetName())
	}
	for i := len(vs) - 1; i >= 0; i-- {
		if vs[i].State == secretmanagerpb.SecretVersion_ENABLED {
			d := f.data[vs[i].Name]
			crc := int64(crc32.Checksum(d, crc32.MakeTable(crc32.Castagnoli)))
			return &secretmanagerpb.AccessSecretVersionResponse{Name: vs[i].Name, Payload: &secretmanagerpb.SecretPayload{Data: d, DataCrc32C: &crc}}, nil
		}
	}
	return nil, status.Errorf(codes.NotFound, "Secret [%s] has no enabled versions.", secret)
}

func (f *fakeSecretManager) ListSecretVersions(_ context.Context, r *secretmanagerpb.ListSecretVersionsRequest) (*secretmanagerpb.ListSecretVersionsResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	vs, ok := f.versions[r.GetParent()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Secret [%s] not found.", r.GetParent())
	}
	out := &secretmanagerpb.ListSecretVersionsResponse{TotalSize: int32(len(vs))}
	for _, v := range vs {
		out.Versions = append(out.Versions, &secretmanagerpb.SecretVersion{Name: v.Name, State: v.State})
	}
	return out, nil
}

func (f *fakeSecretManager) DestroySecretVersion(_ context.Context, r *secretmanagerpb.DestroySecretVersionRequest) (*secretmanagerpb.SecretVersion, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	secret, _, _ := strings.Cut(r.GetName(), "/versions/")
	for _, v := range f.versions[secret] {
		if v.Name == r.GetName() {
			if v.State == secretmanagerpb.SecretVersion_DESTROYED {
				return nil, status.Errorf(codes.FailedPrecondition, "%s is already destroyed", v.Name)
			}
			v.State = secretmanagerpb.SecretVersion_DESTROYED
			delete(f.data, v.Name)
			return v, nil
		}
	}
	return nil, status.Errorf(codes.NotFound, "Secret Version [%s] not found.", r.GetName())
}

// newSecretManager serves a fake holding the secrets the program creates, empty, and returns
// a client of it.
func newSecretManager(t testing.TB, secrets ...string) (*fakeSecretManager, *secretmanager.Client) {
	t.Helper()
	f := &fakeSecretManager{versions: map[string][]*secretmanagerpb.SecretVersion{}, data: map[string][]byte{}}
	for _, s := range secrets {
		f.versions["projects/"+gcpProject+"/secrets/"+s] = nil
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	secretmanagerpb.RegisterSecretManagerServiceServer(srv, f)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	c, err := secretmanager.NewClient(context.Background(), option.WithEndpoint(lis.Addr().String()),
		option.WithoutAuthentication(), option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return f, c
}

// fakeCompute is the Compute Engine REST API of one backend bucket's signed-request keyset,
// validating as the API does: key names are resource names, values base64url of 16 bytes,
// at most keys.MaxCDNKeys keys, no duplicate; changes land when their operation is done,
// which the first wait does not yet report (as the real wait returns RUNNING on its timeout).
type fakeCompute struct {
	mu   sync.Mutex
	keys map[string][]byte
	ops  map[string]*fakeOp
	seq  int
}

type fakeOp struct {
	waits int
	apply func() string // the error code, "" on success
	done  string
}

var computeName = regexp.MustCompile(`^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$`)

func newCompute(t testing.TB) (*fakeCompute, *httptest.Server) {
	f := &fakeCompute{keys: map[string][]byte{}, ops: map[string]*fakeOp{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func httpError(w http.ResponseWriter, code int, msg string) {
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": msg}})
}

func (f *fakeCompute) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	bucket := "/compute/v1/projects/" + gcpProject + "/global/backendBuckets/" + cdnBucket
	ops := "/compute/v1/projects/" + gcpProject + "/global/operations/"
	switch {
	case r.Method == http.MethodGet && r.URL.Path == bucket:
		names := []string{}
		for n := range f.keys {
			names = append(names, n)
		}
		json.NewEncoder(w).Encode(map[string]any{"name": cdnBucket, "enableCdn": true, "cdnPolicy": map[string]any{"signedUrlKeyNames": names}})
	case r.Method == http.MethodPost && r.URL.Path == bucket+"/addSignedUrlKey":
		var in struct{ KeyName, KeyValue string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			httpError(w, 400, "Invalid JSON payload")
			return
		}
		raw, err := base64.URLEncoding.DecodeString(in.KeyValue)
		switch {
		case !computeName.MatchString(in.KeyName):
			httpError(w, 400, "Invalid value for field 'resource.keyName': '"+in.KeyName+"'")
			return
		case err != nil || len(raw) != 16:
			httpError(w, 400, "Invalid value for field 'resource.keyValue': must be a base64url 128-bit key")
			return
		}
		f.operation(w, func() string {
			if _, dup := f.keys[in.KeyName]; dup {
				return "RESOURCE_ALREADY_EXISTS"
			}
			if len(f.keys) >= keys.MaxCDNKeys {
				return "QUOTA_EXCEEDED"
			}
			f.keys[in.KeyName] = raw
			return ""
		})
	case r.Method == http.MethodPost && r.URL.Path == bucket+"/deleteSignedUrlKey":
		name := r.URL.Query().Get("keyName")
		f.operation(w, func() string {
			if _, ok := f.keys[name]; !ok {
				return "RESOURCE_NOT_FOUND"
			}
			delete(f.keys, name)
			return ""
		})
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, ops) && strings.HasSuffix(r.URL.Path, "/wait"):
		name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, ops), "/wait")
		op, ok := f.ops[name]
		if !ok {
			httpError(w, 404, "The resource 'operations/"+name+"' was not found")
			return
		}
		op.waits++
		out := map[string]any{"name": name, "status": "RUNNING"}
		if op.waits >= 2 {
			if op.apply != nil {
				op.done, op.apply = op.apply(), nil
			}
			out["status"] = "DONE"
			if op.done != "" {
				out["error"] = map[string]any{"errors": []map[string]string{{"code": op.done, "message": op.done}}}
			}
		}
		json.NewEncoder(w).Encode(out)
	default:
		httpError(w, 404, r.Method+" "+r.URL.Path+" is not part of this fake")
	}
}

func (f *fakeCompute) operation(w http.ResponseWriter, apply func() string) {
	f.seq++
	name := fmt.Sprintf("operation-%d", f.seq)
	f.ops[name] = &fakeOp{apply: apply}
	json.NewEncoder(w).Encode(map[string]any{"name": name, "status": "PENDING"})
}

// serve is Cloud CDN: a request with the cookie is served if it verifies against the keyset.
func (f *fakeCompute) serve(cookie string, at time.Time) error {
	f.mu.Lock()
	keyset := map[string][]byte{}
	for n, k := range f.keys {
		keyset[n] = k
	}
	f.mu.Unlock()
	return cdnsign.Verify(cookie, cdnSegment, keyset, at)
}

func (f *fakeCompute) names() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for n := range f.keys {
		out = append(out, n)
	}
	return out
}

type cdnWorld struct {
	r       *keys.CloudCDNRotator
	clock   *clock
	sm      *fakeSecretManager
	store   keys.SecretManager
	compute *fakeCompute
	api     *cdnsign.Signer
	viewers []viewer
	plays   int
}

func setupCloudCDN(t testing.TB, wrap func(keys.SecretStore, keys.KeySet) (keys.SecretStore, keys.KeySet)) *cdnWorld {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "Pulumi.acme-prod.yaml")
	if err := os.WriteFile(file, []byte(gcpStackYML), 0o644); err != nil {
		t.Fatal(err)
	}
	sm, client := newSecretManager(t, cdnPrefix+"-signing", cdnPrefix+"-signing-next")
	compute, srv := newCompute(t)
	w := &cdnWorld{clock: &clock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}, sm: sm, compute: compute,
		store: keys.SecretManager{Client: client, Project: gcpProject}}
	var secrets keys.SecretStore = w.store
	var keyset keys.KeySet = keys.BackendBucketKeys{HTTP: srv.Client(), Endpoint: srv.URL + "/compute/v1", Project: gcpProject, BackendBucket: cdnBucket}
	if wrap != nil {
		secrets, keyset = wrap(secrets, keyset)
	}
	w.r = &keys.CloudCDNRotator{Prefix: cdnPrefix, File: file, Secrets: secrets, Keys: keyset,
		CookieLifetime: time.Hour, Now: w.clock.now}
	api, err := cdnsign.NewSigner(cdnDomain, "projects/"+gcpProject+"/secrets/"+cdnPrefix+"-signing", cdnsign.SecretManager{Client: client})
	if err != nil {
		t.Fatal(err)
	}
	api.Now = w.clock.now
	w.api = api
	return w
}

// issue is the api function: it signs a cookie with the key it read (cached for
// cdnsign.DefaultKeyTTL).
func (w *cdnWorld) issue(t *testing.T) {
	t.Helper()
	exp := w.clock.t.Add(w.r.CookieLifetime)
	c, err := w.api.Sign(context.Background(), "/assets/a1/", exp)
	if err != nil {
		t.Fatalf("the api cannot sign: %v", err)
	}
	w.viewers = append(w.viewers, viewer{token: c[0].Value, expires: exp.Truncate(time.Second)})
}

// play is every viewer with a live cookie fetching a segment through Cloud CDN.
func (w *cdnWorld) play(t *testing.T, when string) {
	t.Helper()
	for i, v := range w.viewers {
		if !w.clock.t.Before(v.expires) {
			continue
		}
		if err := w.compute.serve(v.token, w.clock.t); err != nil {
			t.Errorf("%s: viewer %d refused (403): %v", when, i, err)
		}
		w.plays++
	}
}

func (w *cdnWorld) tick(t *testing.T, d time.Duration, when string) {
	t.Helper()
	for end := w.clock.t.Add(d); w.clock.t.Before(end); w.clock.t = w.clock.t.Add(5 * time.Minute) {
		w.issue(t)
		w.play(t, when)
	}
}

func (w *cdnWorld) config(t *testing.T) (names []string, signing string) {
	t.Helper()
	cfg := readConfig(t, w.r.File)
	for _, n := range cfg["ottkit:cdnKeyNames"].([]any) {
		names = append(names, n.(string))
	}
	return names, cfg["ottkit:cdnSigningKeyName"].(string)
}

// TestCloudCDNRotationNeverRefusesAViewer rotates a new GCP stack's Cloud CDN keys twice:
// the api keeps signing cookies from the signing secret, Cloud CDN (the fake backend bucket,
// verifying with cdnsign.Verify) keeps serving every live one, unsafe steps are refused, and
// no key value ever reaches the stack file.
func TestCloudCDNRotationNeverRefusesAViewer(t *testing.T) {
	w := setupCloudCDN(t, nil)
	ctx := context.Background()
	steps, err := w.r.Plan(ctx)
	if err != nil || len(steps) != 1 || steps[0].Name != "generate" {
		t.Fatalf("plan of a new stack: %v, %v", steps, err)
	}
	step(t, w.r, "generate")
	validStack(t, w.r.File)
	names, signing := w.config(t)
	if len(names) != 1 || signing != names[0] || len(w.compute.names()) != 1 || w.compute.names()[0] != signing {
		t.Fatalf("after generate: file %v signing %s, backend bucket %v", names, signing, w.compute.names())
	}
	w.tick(t, 30*time.Minute, "after generate")

	for round := 1; round <= 2; round++ {
		w.clock.t = w.clock.t.Add(time.Second)
		step(t, w.r, "add")
		validStack(t, w.r.File)
		if n := len(w.compute.names()); n != 2 {
			t.Fatalf("round %d: backend bucket has %d keys after add, want 2", round, n)
		}
		w.tick(t, 10*time.Minute, "after add")
		if s, err := w.r.Status(ctx); err != nil || s.Next.Name != "switch" || len(s.Keys) != 2 {
			t.Fatalf("status after add: %v, %v", s, err)
		}
		step(t, w.r, "switch")
		validStack(t, w.r.File)
		_, now := w.config(t)
		if now == signing {
			t.Fatalf("round %d: switch left the api signing with %s", round, signing)
		}
		w.tick(t, 30*time.Minute, "after switch")
		refused(t, w.r, "may be in use until")
		w.tick(t, w.r.Wait()-30*time.Minute, "waiting to retire")
		step(t, w.r, "retire")
		validStack(t, w.r.File)
		if got := w.compute.names(); len(got) != 1 || got[0] != now {
			t.Fatalf("round %d: backend bucket keeps %v after retire, want [%s]", round, got, now)
		}
		w.tick(t, 2*time.Hour, "after retire")
		signing = now
	}
	raw, err := os.ReadFile(w.r.File)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range w.compute.keys {
		if strings.Contains(string(raw), base64.URLEncoding.EncodeToString(k)) {
			t.Fatal("the stack file holds a key value")
		}
	}
	if w.plays < 100 {
		t.Fatalf("only %d plays", w.plays)
	}
}

// TestCloudCDNRefusals: a switch to a key the backend bucket lost, an add into a full
// keyset, a stack file naming a key the backend bucket lacks, and a deploy before the
// program created the secrets are each refused with an error saying what to do.
func TestCloudCDNRefusals(t *testing.T) {
	ctx := context.Background()
	w := setupCloudCDN(t, nil)
	step(t, w.r, "generate")
	w.clock.t = w.clock.t.Add(time.Second)
	step(t, w.r, "add")
	names, signing := w.config(t)
	var next string
	for _, n := range names {
		if n != signing {
			next = n
		}
	}
	w.compute.mu.Lock()
	lost := w.compute.keys[next]
	delete(w.compute.keys, next)
	w.compute.mu.Unlock()
	if _, err := w.r.Next(ctx); err == nil || !strings.Contains(err.Error(), "lacks") {
		t.Fatalf("switch to a key the backend bucket lost: %v", err)
	}
	w.compute.mu.Lock()
	w.compute.keys[next] = lost
	w.compute.mu.Unlock()
	step(t, w.r, "switch")
	w.clock.t = w.clock.t.Add(w.r.Wait())
	step(t, w.r, "retire")

	// Two keys no stack file names fill the keyset: the add is refused before any change.
	w.compute.mu.Lock()
	w.compute.keys["stray-a"], w.compute.keys["stray-b"] = make([]byte, 16), make([]byte, 16)
	w.compute.mu.Unlock()
	w.clock.t = w.clock.t.Add(time.Second)
	refused(t, w.r, "is full")

	// A stack without its secrets (not deployed) is refused with the fix.
	_, client := newSecretManager(t)
	bare := &keys.CloudCDNRotator{Prefix: cdnPrefix, File: filepath.Join(t.TempDir(), "Pulumi.x.yaml"),
		Secrets: keys.SecretManager{Client: client, Project: gcpProject}, Keys: w.r.Keys, CookieLifetime: time.Hour}
	if err := os.WriteFile(bare.File, []byte(gcpStackYML), 0o644); err != nil {
		t.Fatal(err)
	}
	w.compute.mu.Lock()
	clear(w.compute.keys)
	w.compute.mu.Unlock()
	if _, err := bare.Next(ctx); err == nil || !strings.Contains(err.Error(), "deploy the stack first") {
		t.Fatalf("generate before the deploy: %v", err)
	}
}

// TestBackendBucketKeysErrors: the Compute client reports the API's validation and the
// operation's error.
func TestBackendBucketKeysErrors(t *testing.T) {
	ctx := context.Background()
	_, srv := newCompute(t)
	kb := keys.BackendBucketKeys{HTTP: srv.Client(), Endpoint: srv.URL + "/compute/v1", Project: gcpProject, BackendBucket: cdnBucket}
	good := base64.URLEncoding.EncodeToString(make([]byte, 16))
	for _, tc := range []struct{ name, value, want string }{
		{"Bad_Name", good, "resource.keyName"},
		{"k1", base64.URLEncoding.EncodeToString(make([]byte, 8)), "resource.keyValue"},
	} {
		if err := kb.Add(ctx, tc.name, tc.value); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("add %s: %v, want %s", tc.name, err, tc.want)
		}
	}
	for i := range keys.MaxCDNKeys {
		if err := kb.Add(ctx, fmt.Sprintf("k%d", i), good); err != nil {
			t.Fatal(err)
		}
	}
	if err := kb.Add(ctx, "k9", good); err == nil || !strings.Contains(err.Error(), "QUOTA_EXCEEDED") {
		t.Errorf("a fourth key: %v", err)
	}
	if err := kb.Add(ctx, "k0", good); err == nil || !strings.Contains(err.Error(), "ALREADY_EXISTS") {
		t.Errorf("a duplicate: %v", err)
	}
	if err := kb.Delete(ctx, "nope"); err == nil || !strings.Contains(err.Error(), "NOT_FOUND") {
		t.Errorf("delete of an unknown key: %v", err)
	}
	if names, err := kb.Names(ctx); err != nil || len(names) != 3 {
		t.Errorf("names: %v, %v", names, err)
	}
	other := kb
	other.BackendBucket = "missing"
	if _, err := other.Names(ctx); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("names of a missing backend bucket: %v", err)
	}
}

// crashingKeys dies right after its n-th change, counted with the secret writes.
type crashingKeys struct {
	keys.KeySet
	c *crashing
}

func (k crashingKeys) Add(ctx context.Context, name, value string) error {
	if err := k.KeySet.Add(ctx, name, value); err != nil {
		return err
	}
	return k.c.after()
}

func (k crashingKeys) Delete(ctx context.Context, name string) error {
	if err := k.KeySet.Delete(ctx, name); err != nil {
		return err
	}
	return k.c.after()
}

// TestCloudCDNRotationSurvivesCrashes crashes the rotation right after each of its writes to
// Secret Manager or the backend bucket in turn and runs it again: the re-run finishes the
// step with the same key, and viewers play through.
func TestCloudCDNRotationSurvivesCrashes(t *testing.T) {
	// generate: next, add key, signing (3); add: next, add key (2); switch: next, signing (2);
	// retire: delete key, next (2).
	for n := 1; n <= 9; n++ {
		t.Run(fmt.Sprintf("crash after change %d", n), func(t *testing.T) {
			var crash *crashing
			w := setupCloudCDN(t, func(s keys.SecretStore, k keys.KeySet) (keys.SecretStore, keys.KeySet) {
				crash = &crashing{SecretStore: s, n: n}
				return crash, crashingKeys{KeySet: k, c: crash}
			})
			pending := func() string {
				raw, err := w.store.Get(context.Background(), w.r.NextSecret())
				if errors.Is(err, keys.ErrNotFound) {
					return ""
				}
				if err != nil {
					t.Fatal(err)
				}
				return raw
			}
			during := func(name string) func() {
				return func() {
					if name != "generate" || n == 3 {
						w.tick(t, 5*time.Minute, "after a crash in "+name)
					}
				}
			}
			stepThroughCrash(t, w.r, "generate", during("generate"), pending)
			w.tick(t, 10*time.Minute, "after generate")
			w.clock.t = w.clock.t.Add(time.Second)
			stepThroughCrash(t, w.r, "add", during("add"), pending)
			w.tick(t, 10*time.Minute, "after add")
			stepThroughCrash(t, w.r, "switch", during("switch"), pending)
			w.tick(t, w.r.Wait(), "after switch")
			stepThroughCrash(t, w.r, "retire", during("retire"), pending)
			w.tick(t, 2*time.Hour, "after retire")
			validStack(t, w.r.File)
			if s, err := w.r.Status(context.Background()); err != nil || s.Next.Name != "add" || len(s.Keys) != 1 {
				t.Fatalf("after the rotation: %v, %v", s, err)
			}
			if got := w.compute.names(); len(got) != 1 {
				t.Fatalf("backend bucket keeps %v", got)
			}
		})
	}
}

// TestSecretManagerStore: Put adds versions to a secret the program made, creates a missing
// one (regional, CMEK) only when told where, Get reads the latest, Delete destroys every
// version and can be repeated.
func TestSecretManagerStore(t *testing.T) {
	ctx := context.Background()
	f, client := newSecretManager(t, "made")
	s := keys.SecretManager{Client: client, Project: gcpProject}
	if err := s.Put(ctx, "other", "x"); err == nil || !strings.Contains(err.Error(), "deploy the stack first") {
		t.Fatalf("put into a missing secret: %v", err)
	}
	if _, err := s.Get(ctx, "made"); !errors.Is(err, keys.ErrNotFound) {
		t.Fatalf("get of an empty secret: %v", err)
	}
	for _, v := range []string{"one", "two"} {
		if err := s.Put(ctx, "made", v); err != nil {
			t.Fatal(err)
		}
	}
	if v, err := s.Get(ctx, "made"); err != nil || v != "two" {
		t.Fatalf("get: %q, %v", v, err)
	}
	for range 2 {
		if err := s.Delete(ctx, "made"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Get(ctx, "made"); !errors.Is(err, keys.ErrNotFound) {
		t.Fatalf("get after delete: %v", err)
	}
	s.Region, s.KMSKey = "europe-west1", "projects/acme-video/locations/europe-west1/keyRings/acme-prod-key-ring/cryptoKeys/acme-prod-key"
	if err := s.Put(ctx, "edge-key-k1", "secret"); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Get(ctx, "edge-key-k1"); err != nil || v != "secret" || len(f.created) != 1 {
		t.Fatalf("created secret: %q, %v, %v", v, err, f.created)
	}
}

// BenchmarkCloudCDNRotation measures one whole rotation (add, switch, retire) against the
// in-process Secret Manager and Compute fakes: the command's own work per rotation, with the
// stack file validated and rewritten three times.
func BenchmarkCloudCDNRotation(b *testing.B) {
	w := setupCloudCDN(b, nil)
	ctx := context.Background()
	if _, err := w.r.Next(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, want := range []string{"add", "switch", "retire"} {
			w.clock.t = w.clock.t.Add(w.r.Wait())
			if s, err := w.r.Next(ctx); err != nil || s.Name != want {
				b.Fatalf("step %s (%v), want %s", s.Name, err, want)
			}
		}
	}
}
