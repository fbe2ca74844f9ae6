// `meterflow/sdk/testing`: what a plugin author tests a plugin with, in their own repository,
// with vitest (a peer: this entry imports it) and nothing else. The same conformance suite our
// built-in plugins pass, and a small engine over the SDK's registry and threshold tracker.
export { describeConformance } from "./conformance.js";
export { createTestEngine } from "./engine.js";
export { nextDown, nextUp } from "./numbers.js";
export type { ConformanceOptions } from "./conformance.js";
export type {
  ChannelCheck,
  FeedResult,
  TestEngine,
  TestEngineOptions,
  TestLateValue,
  TestReading,
  TestRejection,
} from "./engine.js";
