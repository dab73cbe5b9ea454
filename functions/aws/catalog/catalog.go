// Package catalog is ottkit's asset catalog on Amazon DynamoDB: one item per asset, keyed by
// asset id, with a GSI listing a tenant's assets by status and creation time. Every write is
// conditional, so a duplicate or late event can neither create an asset twice nor move one
// backwards.
package catalog

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ottkit/ottkit/functions/aws/manifest"
	"github.com/ottkit/ottkit/functions/pipeline"
)

// MaxPageSize caps List's page size.
const MaxPageSize = 100

// ErrBadPageToken reports a page token that this catalog did not issue for this tenant.
var ErrBadPageToken = pipeline.ErrBadPageToken

// Table is a pipeline.Catalog over one DynamoDB table.
type Table struct {
	client *dynamodb.Client
	name   string
}

var _ pipeline.Catalog = (*Table)(nil)

// New returns the catalog stored in table name.
func New(client *dynamodb.Client, name string) *Table {
	return &Table{client: client, name: name}
}

// ProgressAttribute is the item attribute holding Progress(asset), which conditional updates
// compare so that the database itself refuses a write that would move an asset backwards.
const ProgressAttribute = "progress"

// Progress is a.Progress(), the value stored in ProgressAttribute.
func Progress(a *pipeline.Asset) int { return a.Progress() }

// item renders an asset as a DynamoDB item, adding the GSI's sort key and the progress.
func item(a *pipeline.Asset) (map[string]types.AttributeValue, error) {
	if a.ID == "" {
		return nil, errors.New("catalog: asset has no id")
	}
	if !a.Status.Valid() {
		return nil, fmt.Errorf("catalog: asset %s has invalid status %q", a.ID, a.Status)
	}
	av, err := attributevalue.MarshalMap(a)
	if err != nil {
		return nil, fmt.Errorf("catalog: marshal asset %s: %w", a.ID, err)
	}
	av[manifest.CatalogIndexRangeKey] = &types.AttributeValueMemberS{Value: a.IndexKey()}
	av[ProgressAttribute] = &types.AttributeValueMemberN{Value: strconv.Itoa(Progress(a))}
	if a.Tenant == "" {
		// A GSI key attribute may be absent but never empty.
		delete(av, manifest.CatalogIndexHashKey)
	}
	return av, nil
}

func asset(av map[string]types.AttributeValue) (*pipeline.Asset, error) {
	var a pipeline.Asset
	if err := attributevalue.UnmarshalMap(av, &a); err != nil {
		return nil, fmt.Errorf("catalog: unmarshal asset: %w", err)
	}
	return &a, nil
}

// Create stores a new asset. It returns an error wrapping pipeline.ErrExists when an asset with
// the same id is already stored, which is how a duplicate upload event is recognised.
func (t *Table) Create(ctx context.Context, a *pipeline.Asset) error {
	av, err := item(a)
	if err != nil {
		return err
	}
	_, err = t.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                aws.String(t.name),
		Item:                     av,
		ConditionExpression:      aws.String("attribute_not_exists(#id)"),
		ExpressionAttributeNames: map[string]string{"#id": manifest.CatalogHashKey},
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return fmt.Errorf("catalog: create asset %s: %w", a.ID, pipeline.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("catalog: create asset %s: %w", a.ID, err)
	}
	return nil
}

// Get returns the asset with id, or an error wrapping pipeline.ErrNotFound. The read is
// strongly consistent, because handlers decide what to do next from it.
func (t *Table) Get(ctx context.Context, id string) (*pipeline.Asset, error) {
	out, err := t.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(t.name),
		Key:            map[string]types.AttributeValue{manifest.CatalogHashKey: &types.AttributeValueMemberS{Value: id}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: get asset %s: %w", id, err)
	}
	if out.Item == nil {
		return nil, fmt.Errorf("catalog: get asset %s: %w", id, pipeline.ErrNotFound)
	}
	return asset(out.Item)
}

// Update replaces the stored asset with a, on condition that the stored status is still from
// (a compare-and-swap: of two handlers racing on one asset only one wins, the other gets
// pipeline.ErrConflict) and that the stored Progress is not above a's, so even a caller
// holding a stale copy cannot move an asset backwards. It refuses, before writing anything, a
// change the state machine does not allow: a.Status must equal from or be a move CanMoveTo
// permits.
func (t *Table) Update(ctx context.Context, from pipeline.Status, a *pipeline.Asset) error {
	if a.Status != from && !from.CanMoveTo(a.Status) {
		return fmt.Errorf("catalog: update asset %s: %s → %s is not an allowed move: %w", a.ID, from, a.Status, pipeline.ErrConflict)
	}
	av, err := item(a)
	if err != nil {
		return err
	}
	_, err = t.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(t.name),
		Item:      av,
		ConditionExpression: aws.String("attribute_exists(#id) AND #status = :from AND " +
			"(attribute_not_exists(#progress) OR #progress <= :progress)"),
		ExpressionAttributeNames: map[string]string{"#id": manifest.CatalogHashKey, "#status": "status", "#progress": ProgressAttribute},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":from":     &types.AttributeValueMemberS{Value: string(from)},
			":progress": &types.AttributeValueMemberN{Value: strconv.Itoa(Progress(a))},
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		if len(ccf.Item) == 0 {
			return fmt.Errorf("catalog: update asset %s: %w", a.ID, pipeline.ErrNotFound)
		}
		return fmt.Errorf("catalog: update asset %s from %s: %w", a.ID, from, pipeline.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("catalog: update asset %s: %w", a.ID, err)
	}
	return nil
}

// pageToken is what List's opaque token carries: the tenant it was issued for and the GSI
// position to resume from.
type pageToken struct {
	Tenant  string `json:"t"`
	AssetID string `json:"a"`
	Sort    string `json:"s"`
}

// List returns up to limit of tenant's assets from the byTenant index, newest status groups
// last as the index orders them, and the token of the next page ("" on the last page). A token
// issued for another tenant, or not issued by List at all, is ErrBadPageToken.
func (t *Table) List(ctx context.Context, tenant string, limit int, token string) ([]pipeline.Asset, string, error) {
	if tenant == "" {
		return nil, "", errors.New("catalog: list needs a tenant")
	}
	if limit <= 0 || limit > MaxPageSize {
		limit = MaxPageSize
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(t.name),
		IndexName:                 aws.String(manifest.CatalogIndexName),
		KeyConditionExpression:    aws.String("#tenant = :tenant"),
		ExpressionAttributeNames:  map[string]string{"#tenant": manifest.CatalogIndexHashKey},
		ExpressionAttributeValues: map[string]types.AttributeValue{":tenant": &types.AttributeValueMemberS{Value: tenant}},
		Limit:                     aws.Int32(int32(limit)),
	}
	if token != "" {
		start, err := decodeToken(token, tenant)
		if err != nil {
			return nil, "", err
		}
		in.ExclusiveStartKey = start
	}
	out, err := t.client.Query(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("catalog: list tenant %s: %w", tenant, err)
	}
	assets := make([]pipeline.Asset, 0, len(out.Items))
	for _, it := range out.Items {
		a, err := asset(it)
		if err != nil {
			return nil, "", err
		}
		assets = append(assets, *a)
	}
	next := ""
	if len(out.LastEvaluatedKey) > 0 {
		next, err = encodeToken(out.LastEvaluatedKey, tenant)
		if err != nil {
			return nil, "", err
		}
	}
	return assets, next, nil
}

func encodeToken(key map[string]types.AttributeValue, tenant string) (string, error) {
	var tok pageToken
	tok.Tenant = tenant
	if err := attributevalue.Unmarshal(key[manifest.CatalogHashKey], &tok.AssetID); err != nil {
		return "", fmt.Errorf("catalog: page key: %w", err)
	}
	if err := attributevalue.Unmarshal(key[manifest.CatalogIndexRangeKey], &tok.Sort); err != nil {
		return "", fmt.Errorf("catalog: page key: %w", err)
	}
	b, err := json.Marshal(tok)
	if err != nil {
		return "", fmt.Errorf("catalog: page token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func decodeToken(s, tenant string) (map[string]types.AttributeValue, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, ErrBadPageToken
	}
	var tok pageToken
	if err := json.Unmarshal(b, &tok); err != nil || tok.Tenant != tenant || tok.AssetID == "" || tok.Sort == "" {
		return nil, ErrBadPageToken
	}
	return map[string]types.AttributeValue{
		manifest.CatalogHashKey:       &types.AttributeValueMemberS{Value: tok.AssetID},
		manifest.CatalogIndexHashKey:  &types.AttributeValueMemberS{Value: tok.Tenant},
		manifest.CatalogIndexRangeKey: &types.AttributeValueMemberS{Value: tok.Sort},
	}, nil
}

// Name returns the table's name.
func (t *Table) Name() string { return t.name }
