// Package firestorefake is an in-process Firestore (google.firestore.v1) for tests, covering
// exactly the RPCs ottkit's catalog makes: Commit, BatchGetDocuments, BeginTransaction,
// Rollback and RunQuery. It validates like the service: document names under the database,
// write preconditions (exists → ALREADY_EXISTS / NOT_FOUND, update_time →
// FAILED_PRECONDITION), read-write transactions that abort with ABORTED when a document they
// read changed before their commit (the client retries them), unknown transactions
// (INVALID_ARGUMENT), and queries that need a composite index the database does not declare
// (FAILED_PRECONDITION, as Firestore answers). Anything else is UNIMPLEMENTED, so a new call
// in the adapter shows up as a failing test rather than a silent pass.
package firestorefake

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"cloud.google.com/go/firestore"
	"cloud.google.com/go/firestore/apiv1/firestorepb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Index is a composite index: the collection and its fields in order (all ascending, as
// ottkit declares them); __name__ is implied last.
type Index struct {
	Collection string
	Fields     []string
}

// Server is the fake database.
type Server struct {
	firestorepb.UnimplementedFirestoreServer

	// Addr is the loopback address; Project and Database name the one database served.
	Addr, Project, Database string

	srv     *grpc.Server
	indexes []Index
	mu      sync.Mutex
	docs    map[string]*firestorepb.Document
	txs     map[string]map[string]time.Time // transaction → document → update time read (zero: missing)
	seq     int
	last    time.Time
	calls   map[string]int
	// beforeCommit, when set, runs at the start of every Commit (tests use it to interleave
	// a competing write).
	beforeCommit func()
	// failNext makes the next call of an RPC fail with the code, once.
	failNext map[string]codes.Code
}

// FailNext makes the next call of rpc ("Commit", "BatchGetDocuments", …) fail with code, as
// an outage would; later calls succeed.
func (s *Server) FailNext(rpc string, code codes.Code) {
	s.mu.Lock()
	s.failNext[rpc] = code
	s.mu.Unlock()
}

// injected returns the failure FailNext set for rpc, once.
func (s *Server) injected(rpc string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	code, ok := s.failNext[rpc]
	if !ok {
		return nil
	}
	delete(s.failNext, rpc)
	return status.Errorf(code, "firestorefake: injected %s failure", rpc)
}

// Start serves a database with the given composite indexes until Close.
func Start(project, database string, indexes ...Index) (*Server, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("firestorefake: listen: %w", err)
	}
	s := &Server{
		Addr: lis.Addr().String(), Project: project, Database: database, indexes: indexes,
		docs: map[string]*firestorepb.Document{}, txs: map[string]map[string]time.Time{}, calls: map[string]int{},
		failNext: map[string]codes.Code{},
	}
	s.srv = grpc.NewServer()
	firestorepb.RegisterFirestoreServer(s.srv, s)
	go s.srv.Serve(lis)
	return s, nil
}

// Close stops the server.
func (s *Server) Close() { s.srv.Stop() }

// ClientOptions connect a firestore.Client to the fake without credentials.
func (s *Server) ClientOptions() []option.ClientOption {
	return []option.ClientOption{
		option.WithEndpoint(s.Addr), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())),
	}
}

// Client returns a client of the fake's database.
func (s *Server) Client(ctx context.Context, extra ...option.ClientOption) (*firestore.Client, error) {
	return firestore.NewClientWithDatabase(ctx, s.Project, s.Database, append(s.ClientOptions(), extra...)...)
}

// Calls returns how many times each RPC was called.
func (s *Server) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// BeforeCommit sets a hook run at the start of every Commit, outside the server's lock.
func (s *Server) BeforeCommit(f func()) {
	s.mu.Lock()
	s.beforeCommit = f
	s.mu.Unlock()
}

// Document returns a copy of the named document (relative path "assets/a1"), or nil.
func (s *Server) Document(path string) *firestorepb.Document {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.docs[s.root()+"/"+path]; d != nil {
		return proto.Clone(d).(*firestorepb.Document)
	}
	return nil
}

func (s *Server) root() string {
	return "projects/" + s.Project + "/databases/" + s.Database + "/documents"
}

var docPath = regexp.MustCompile(`^[^/]+/[^/]+(/[^/]+/[^/]+)*$`)

func (s *Server) checkName(name string) error {
	rel, ok := strings.CutPrefix(name, s.root()+"/")
	if !ok || !docPath.MatchString(rel) || strings.HasPrefix(rel, "__") {
		return status.Errorf(codes.InvalidArgument, "document name %q is not a document of %s", name, s.root())
	}
	return nil
}

// tick returns a strictly increasing time, as Firestore's commit times are.
func (s *Server) tick() time.Time {
	now := time.Now().UTC()
	if !now.After(s.last) {
		now = s.last.Add(time.Microsecond)
	}
	s.last = now
	return now
}

func (s *Server) count(rpc string) {
	s.mu.Lock()
	s.calls[rpc]++
	s.mu.Unlock()
}

func (s *Server) checkDatabase(db string) error {
	if want := "projects/" + s.Project + "/databases/" + s.Database; db != want {
		return status.Errorf(codes.InvalidArgument, "database %q is not %s", db, want)
	}
	return nil
}

// BeginTransaction starts a transaction.
func (s *Server) BeginTransaction(_ context.Context, req *firestorepb.BeginTransactionRequest) (*firestorepb.BeginTransactionResponse, error) {
	s.count("BeginTransaction")
	if err := s.checkDatabase(req.GetDatabase()); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return &firestorepb.BeginTransactionResponse{Transaction: s.newTx()}, nil
}

func (s *Server) newTx() []byte {
	s.seq++
	id := fmt.Sprintf("tx-%d", s.seq)
	s.txs[id] = map[string]time.Time{}
	return []byte(id)
}

// Rollback ends a transaction without writing.
func (s *Server) Rollback(_ context.Context, req *firestorepb.RollbackRequest) (*emptypb.Empty, error) {
	s.count("Rollback")
	if err := s.checkDatabase(req.GetDatabase()); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.txs[string(req.Transaction)]; !ok {
		return nil, status.Error(codes.InvalidArgument, "transaction is invalid or has expired")
	}
	delete(s.txs, string(req.Transaction))
	return &emptypb.Empty{}, nil
}

// BatchGetDocuments streams the named documents, found or missing, recording the reads of
// a transaction.
func (s *Server) BatchGetDocuments(req *firestorepb.BatchGetDocumentsRequest, stream firestorepb.Firestore_BatchGetDocumentsServer) error {
	s.count("BatchGetDocuments")
	if err := s.checkDatabase(req.GetDatabase()); err != nil {
		return err
	}
	if req.Mask != nil {
		return status.Error(codes.Unimplemented, "firestorefake: field masks are not used by ottkit")
	}
	for _, name := range req.Documents {
		if err := s.checkName(name); err != nil {
			return err
		}
	}
	s.mu.Lock()
	var txID []byte
	var reads map[string]time.Time
	switch sel := req.ConsistencySelector.(type) {
	case *firestorepb.BatchGetDocumentsRequest_Transaction:
		r, ok := s.txs[string(sel.Transaction)]
		if !ok {
			s.mu.Unlock()
			return status.Error(codes.InvalidArgument, "transaction is invalid or has expired")
		}
		reads = r
	case *firestorepb.BatchGetDocumentsRequest_NewTransaction:
		if sel.NewTransaction.GetReadOnly() != nil {
			s.mu.Unlock()
			return status.Error(codes.Unimplemented, "firestorefake: read-only transactions are not used by ottkit")
		}
		txID = s.newTx()
		reads = s.txs[string(txID)]
	case *firestorepb.BatchGetDocumentsRequest_ReadTime:
		s.mu.Unlock()
		return status.Error(codes.Unimplemented, "firestorefake: reads at a past time are not used by ottkit")
	}
	readTime := timestamppb.New(s.tick())
	var out []*firestorepb.BatchGetDocumentsResponse
	for _, name := range req.Documents {
		resp := &firestorepb.BatchGetDocumentsResponse{ReadTime: readTime}
		if d, ok := s.docs[name]; ok {
			resp.Result = &firestorepb.BatchGetDocumentsResponse_Found{Found: proto.Clone(d).(*firestorepb.Document)}
			if reads != nil {
				reads[name] = d.UpdateTime.AsTime()
			}
		} else {
			resp.Result = &firestorepb.BatchGetDocumentsResponse_Missing{Missing: name}
			if reads != nil {
				reads[name] = time.Time{}
			}
		}
		out = append(out, resp)
	}
	s.mu.Unlock()
	for i, resp := range out {
		if i == 0 && txID != nil {
			resp.Transaction = txID
		}
		if err := stream.Send(resp); err != nil {
			return err
		}
	}
	return nil
}

// Commit applies the writes atomically, checking the transaction's reads and every
// precondition before changing anything.
func (s *Server) Commit(_ context.Context, req *firestorepb.CommitRequest) (*firestorepb.CommitResponse, error) {
	s.count("Commit")
	if err := s.checkDatabase(req.GetDatabase()); err != nil {
		return nil, err
	}
	if err := s.injected("Commit"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	hook := s.beforeCommit
	s.mu.Unlock()
	if hook != nil {
		hook()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(req.Transaction) > 0 {
		reads, ok := s.txs[string(req.Transaction)]
		if !ok {
			return nil, status.Error(codes.InvalidArgument, "transaction is invalid or has expired")
		}
		delete(s.txs, string(req.Transaction))
		for name, seen := range reads {
			var now time.Time
			if d, ok := s.docs[name]; ok {
				now = d.UpdateTime.AsTime()
			}
			if !now.Equal(seen) {
				return nil, status.Error(codes.Aborted, "Transaction lock timeout: a document read by this transaction changed before its commit")
			}
		}
	}
	for i, w := range req.Writes {
		if err := s.checkWrite(i, w); err != nil {
			return nil, err
		}
	}
	commit := s.tick()
	resp := &firestorepb.CommitResponse{CommitTime: timestamppb.New(commit)}
	for _, w := range req.Writes {
		switch op := w.Operation.(type) {
		case *firestorepb.Write_Update:
			doc := proto.Clone(op.Update).(*firestorepb.Document)
			if old, ok := s.docs[doc.Name]; ok && w.UpdateMask != nil {
				merged := proto.Clone(old).(*firestorepb.Document)
				for _, f := range w.UpdateMask.FieldPaths {
					if v, ok := doc.Fields[f]; ok {
						merged.Fields[f] = v
					} else {
						delete(merged.Fields, f)
					}
				}
				doc = merged
			}
			if old, ok := s.docs[doc.Name]; ok {
				doc.CreateTime = old.CreateTime
			} else {
				doc.CreateTime = timestamppb.New(commit)
			}
			doc.UpdateTime = timestamppb.New(commit)
			s.docs[doc.Name] = doc
			resp.WriteResults = append(resp.WriteResults, &firestorepb.WriteResult{UpdateTime: timestamppb.New(commit)})
		case *firestorepb.Write_Delete:
			delete(s.docs, op.Delete)
			resp.WriteResults = append(resp.WriteResults, &firestorepb.WriteResult{})
		}
	}
	return resp, nil
}

func (s *Server) checkWrite(i int, w *firestorepb.Write) error {
	var name string
	switch op := w.Operation.(type) {
	case *firestorepb.Write_Update:
		name = op.Update.GetName()
		for f := range op.Update.GetFields() {
			if f == "" || strings.HasPrefix(f, "__") {
				return status.Errorf(codes.InvalidArgument, "writes[%d]: field name %q is reserved or empty", i, f)
			}
		}
	case *firestorepb.Write_Delete:
		name = op.Delete
	default:
		return status.Errorf(codes.Unimplemented, "firestorefake: writes[%d]: transforms are not used by ottkit", i)
	}
	if len(w.UpdateTransforms) > 0 {
		return status.Errorf(codes.Unimplemented, "firestorefake: writes[%d]: field transforms are not used by ottkit", i)
	}
	if err := s.checkName(name); err != nil {
		return err
	}
	d, exists := s.docs[name]
	switch p := w.GetCurrentDocument().GetConditionType().(type) {
	case *firestorepb.Precondition_Exists:
		if p.Exists && !exists {
			return status.Errorf(codes.NotFound, "No document to update: %s", name)
		}
		if !p.Exists && exists {
			return status.Errorf(codes.AlreadyExists, "Document already exists: %s", name)
		}
	case *firestorepb.Precondition_UpdateTime:
		if !exists || !d.UpdateTime.AsTime().Equal(p.UpdateTime.AsTime()) {
			return status.Errorf(codes.FailedPrecondition, "the stored version of %s does not match the required base version", name)
		}
	}
	return nil
}

// RunQuery runs a structured query over one collection: AND of EQUAL field filters,
// ascending or descending orders, a start cursor and a limit.
func (s *Server) RunQuery(req *firestorepb.RunQueryRequest, stream firestorepb.Firestore_RunQueryServer) error {
	s.count("RunQuery")
	if req.GetParent() != s.root() {
		return status.Errorf(codes.InvalidArgument, "parent %q is not %s", req.GetParent(), s.root())
	}
	if req.ConsistencySelector != nil {
		return status.Error(codes.Unimplemented, "firestorefake: queries in transactions are not used by ottkit")
	}
	q := req.GetStructuredQuery()
	if q == nil || len(q.From) != 1 || q.From[0].AllDescendants || q.Select != nil || q.EndAt != nil || q.Offset != 0 || q.FindNearest != nil {
		return status.Error(codes.Unimplemented, "firestorefake: only single-collection queries with filters, orders, a start cursor and a limit")
	}
	coll := q.From[0].CollectionId
	eq, err := equalities(q.Where)
	if err != nil {
		return err
	}
	var order []*firestorepb.StructuredQuery_Order
	for _, o := range q.OrderBy {
		if o.Field.GetFieldPath() != "__name__" {
			order = append(order, o)
		}
	}
	if err := s.checkIndex(coll, eq, order); err != nil {
		return err
	}
	// Every query is ordered by __name__ last, in the direction of the last order.
	dir := firestorepb.StructuredQuery_ASCENDING
	if len(q.OrderBy) > 0 {
		dir = q.OrderBy[len(q.OrderBy)-1].Direction
	}
	order = append(order, &firestorepb.StructuredQuery_Order{Field: &firestorepb.StructuredQuery_FieldReference{FieldPath: "__name__"}, Direction: dir})

	s.mu.Lock()
	prefix := s.root() + "/" + coll + "/"
	var matched []*firestorepb.Document
	for name, d := range s.docs {
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok || strings.Contains(rest, "/") {
			continue
		}
		if matches(d, eq) {
			matched = append(matched, proto.Clone(d).(*firestorepb.Document))
		}
	}
	readTime := timestamppb.New(s.tick())
	s.mu.Unlock()

	var sortErr error
	sort.Slice(matched, func(i, j int) bool {
		c, err := compareDocs(matched[i], matched[j], order)
		if err != nil {
			sortErr = err
		}
		return c < 0
	})
	if sortErr != nil {
		return sortErr
	}
	if c := q.StartAt; c != nil {
		if len(c.Values) > len(order) {
			return status.Error(codes.InvalidArgument, "cursor has more values than the query has orders")
		}
		var kept []*firestorepb.Document
		for _, d := range matched {
			cmp, err := compareCursor(d, c.Values, order)
			if err != nil {
				return err
			}
			if cmp > 0 || (cmp == 0 && c.Before) {
				kept = append(kept, d)
			}
		}
		matched = kept
	}
	if l := q.Limit; l != nil {
		if l.Value < 0 {
			return status.Error(codes.InvalidArgument, "limit is negative")
		}
		if int(l.Value) < len(matched) {
			matched = matched[:l.Value]
		}
	}
	if len(matched) == 0 {
		return stream.Send(&firestorepb.RunQueryResponse{ReadTime: readTime})
	}
	for _, d := range matched {
		if err := stream.Send(&firestorepb.RunQueryResponse{Document: d, ReadTime: readTime}); err != nil {
			return err
		}
	}
	return nil
}

func equalities(f *firestorepb.StructuredQuery_Filter) (map[string]*firestorepb.Value, error) {
	out := map[string]*firestorepb.Value{}
	if f == nil {
		return out, nil
	}
	var filters []*firestorepb.StructuredQuery_Filter
	switch x := f.FilterType.(type) {
	case *firestorepb.StructuredQuery_Filter_CompositeFilter:
		if x.CompositeFilter.Op != firestorepb.StructuredQuery_CompositeFilter_AND {
			return nil, status.Error(codes.Unimplemented, "firestorefake: only AND filters")
		}
		filters = x.CompositeFilter.Filters
	default:
		filters = []*firestorepb.StructuredQuery_Filter{f}
	}
	for _, sub := range filters {
		ff := sub.GetFieldFilter()
		if ff == nil || ff.Op != firestorepb.StructuredQuery_FieldFilter_EQUAL {
			return nil, status.Error(codes.Unimplemented, "firestorefake: only EQUAL field filters")
		}
		out[ff.Field.GetFieldPath()] = ff.Value
	}
	return out, nil
}

// checkIndex refuses, as Firestore does, a query combining an equality filter with an order
// on another field unless a composite index lists the equality fields, then the order fields.
func (s *Server) checkIndex(coll string, eq map[string]*firestorepb.Value, order []*firestorepb.StructuredQuery_Order) error {
	var needsIndex bool
	for _, o := range order {
		if _, ok := eq[o.Field.GetFieldPath()]; !ok && len(eq) > 0 {
			needsIndex = true
		}
	}
	if len(eq) > 1 && len(order) > 0 {
		needsIndex = true
	}
	if !needsIndex {
		return nil
	}
	for _, ix := range s.indexes {
		if ix.Collection != coll || len(ix.Fields) != len(eq)+len(order) {
			continue
		}
		ok := true
		for i, f := range ix.Fields {
			if i < len(eq) {
				_, isEq := eq[f]
				ok = ok && isEq
			} else {
				ok = ok && order[i-len(eq)].Field.GetFieldPath() == f
			}
		}
		if ok {
			return nil
		}
	}
	var fields []string
	for f := range eq {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, o := range order {
		fields = append(fields, o.Field.GetFieldPath())
	}
	return status.Errorf(codes.FailedPrecondition, "The query requires an index on %s (%s). You can create it in the console.", coll, strings.Join(fields, ", "))
}

func matches(d *firestorepb.Document, eq map[string]*firestorepb.Value) bool {
	for f, v := range eq {
		got, ok := d.Fields[f]
		if !ok {
			return false
		}
		if c, err := compareValues(got, v); err != nil || c != 0 {
			return false
		}
	}
	return true
}

func field(d *firestorepb.Document, path string) *firestorepb.Value {
	if path == "__name__" {
		return &firestorepb.Value{ValueType: &firestorepb.Value_ReferenceValue{ReferenceValue: d.Name}}
	}
	return d.Fields[path]
}

func compareDocs(a, b *firestorepb.Document, order []*firestorepb.StructuredQuery_Order) (int, error) {
	for _, o := range order {
		c, err := compareValues(field(a, o.Field.GetFieldPath()), field(b, o.Field.GetFieldPath()))
		if err != nil {
			return 0, err
		}
		if o.Direction == firestorepb.StructuredQuery_DESCENDING {
			c = -c
		}
		if c != 0 {
			return c, nil
		}
	}
	return 0, nil
}

func compareCursor(d *firestorepb.Document, values []*firestorepb.Value, order []*firestorepb.StructuredQuery_Order) (int, error) {
	for i, v := range values {
		c, err := compareValues(field(d, order[i].Field.GetFieldPath()), v)
		if err != nil {
			return 0, err
		}
		if order[i].Direction == firestorepb.StructuredQuery_DESCENDING {
			c = -c
		}
		if c != 0 {
			return c, nil
		}
	}
	return 0, nil
}

// compareValues orders the value types ottkit sorts and filters on.
func compareValues(a, b *firestorepb.Value) (int, error) {
	if a == nil || b == nil {
		switch {
		case a == nil && b == nil:
			return 0, nil
		case a == nil:
			return -1, nil
		}
		return 1, nil
	}
	switch x := a.ValueType.(type) {
	case *firestorepb.Value_StringValue:
		if y, ok := b.ValueType.(*firestorepb.Value_StringValue); ok {
			return strings.Compare(x.StringValue, y.StringValue), nil
		}
	case *firestorepb.Value_ReferenceValue:
		if y, ok := b.ValueType.(*firestorepb.Value_ReferenceValue); ok {
			return strings.Compare(x.ReferenceValue, y.ReferenceValue), nil
		}
	case *firestorepb.Value_IntegerValue:
		if y, ok := b.ValueType.(*firestorepb.Value_IntegerValue); ok {
			return cmpInt(x.IntegerValue, y.IntegerValue), nil
		}
	case *firestorepb.Value_TimestampValue:
		if y, ok := b.ValueType.(*firestorepb.Value_TimestampValue); ok {
			return x.TimestampValue.AsTime().Compare(y.TimestampValue.AsTime()), nil
		}
	}
	return 0, status.Errorf(codes.Unimplemented, "firestorefake: comparing %T with %T is not used by ottkit", a.ValueType, b.ValueType)
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
