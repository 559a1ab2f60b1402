// Public API of the filter library: HBase 2.x filters, their JSON form and the filter string
// language. docs/formats/filters.md documents all three.

export type { Filter } from './filter.js';
export { FilterBase, ReturnCode, returnCodeName, isIncludeCode } from './filter.js';
export type { ByteArrayComparable, RegexCharset } from './comparators.js';
export {
  CompareOperator,
  COMPARE_OPERATORS,
  BinaryComparator,
  BinaryPrefixComparator,
  RegexStringComparator,
  SubstringComparator,
} from './comparators.js';
export { CompareFilter, RowFilter, FamilyFilter, QualifierFilter, ValueFilter } from './compare-filters.js';
export type { SingleColumnValueFilterOptions } from './single-column-value-filter.js';
export { SingleColumnValueFilter, SingleColumnValueExcludeFilter } from './single-column-value-filter.js';
export type { ColumnRange } from './key-range-filters.js';
export { PrefixFilter, InclusiveStopFilter, ColumnPrefixFilter, MultipleColumnPrefixFilter, ColumnRangeFilter } from './key-range-filters.js';
export { ColumnCountGetFilter, ColumnPaginationFilter } from './column-count-filters.js';
export { PageFilter, KeyOnlyFilter, FirstKeyOnlyFilter } from './row-filters.js';
export { TimestampsFilter } from './timestamps-filter.js';
export { SkipFilter, WhileMatchFilter } from './wrapper-filters.js';
export type { FilterListOperator } from './filter-list.js';
export { FilterList } from './filter-list.js';
export type { RowResult } from './apply-filter.js';
export { applyFilterToRow, applyFilterToRows, copyCell, FilterScanState } from './apply-filter.js';
export type { FilterJson, ComparatorJson } from './filter-json.js';
export { filterFromJson, filterFromJsonString, filterToJson, MAX_FILTER_DEPTH } from './filter-json.js';
export { parseFilterString, SUPPORTED_FILTER_NAMES } from './filter-parser.js';
