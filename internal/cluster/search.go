package cluster

// SearchQuery is the body of a search: filter, sort and page, all optional.
type SearchQuery[F any] struct {
	Filter *F            `json:"filter,omitempty"`
	Sort   []SortRequest `json:"sort,omitempty"`
	Page   *PageRequest  `json:"page,omitempty"`
}

// SortRequest orders results by one field, ASC (default) or DESC.
type SortRequest struct {
	Field string `json:"field"`
	Order string `json:"order,omitempty"`
}

// PageRequest selects a page: Limit alone (the first page), with From (an
// offset), or with After or Before (cursors from an earlier page).
type PageRequest struct {
	Limit  *int32  `json:"limit,omitempty"`
	From   *int32  `json:"from,omitempty"`
	After  *string `json:"after,omitempty"`
	Before *string `json:"before,omitempty"`
}

// SearchResult is one page of results.
type SearchResult[T any] struct {
	Items []T          `json:"items"`
	Page  PageResponse `json:"page"`
}

// PageResponse describes a page: the total number of matches and the
// cursors of its first and last items (null when the page is empty).
type PageResponse struct {
	TotalItems        int64   `json:"totalItems"`
	HasMoreTotalItems bool    `json:"hasMoreTotalItems"`
	StartCursor       *string `json:"startCursor"`
	EndCursor         *string `json:"endCursor"`
}

// Search limits, as Camunda's.
const (
	DefaultPageLimit = 100
	MaxPageLimit     = 10000
)
