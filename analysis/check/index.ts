// Captures as test fixtures: `stateline check` (expectations of an analysis, ./expect,
// held by ./match, written by ./record) and `stateline analyze --fail-on` (./fail-on).
// Pure functions over the analysis JSON; reading files and YAML is the CLI's part.

export { DEFAULT_TOLERANCE, ExpectationError, SECTIONS, countHolds, validateExpectations, type Count, type Expectations } from './expect';
export { checkExpectations, type CaptureOutcome, type EntryResult, type Problem } from './match';
export { recordExpectations, recordUnreadable } from './record';
export { failOnMatches, parseFailOn, type FailOn } from './fail-on';
export { FlowIndex, flowKey, hostOf, parseFlowRef, type FlowRef } from './refs';
