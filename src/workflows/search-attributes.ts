// Typed keys of foreshock's custom search attributes (registered on the dev server).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { SEARCH_ATTRIBUTE_NAMES } from './messages';

export const searchAttributeKeys = {
  resource: defineSearchAttributeKey(SEARCH_ATTRIBUTE_NAMES.resource, SearchAttributeType.KEYWORD),
  mode: defineSearchAttributeKey(SEARCH_ATTRIBUTE_NAMES.mode, SearchAttributeType.KEYWORD),
  severity: defineSearchAttributeKey(SEARCH_ATTRIBUTE_NAMES.severity, SearchAttributeType.KEYWORD),
  outcome: defineSearchAttributeKey(SEARCH_ATTRIBUTE_NAMES.outcome, SearchAttributeType.KEYWORD),
};
