// `meterflow/sdk/testing`: what a plugin author tests a plugin with, in their own repository,
// with vitest (a peer: this entry imports it) and nothing else. The same conformance suite our
// built-in plugins pass, and a small engine over the SDK's registry and threshold tracker.
// BUILTIN_PLUGINS are the engine's own plugins (dependencies before dependents), for
// `describeConformance(p, { dependencies })` and `createTestEngine({ plugins })`.
export { BUILTIN_PLUGINS } from "../../plugins/index.js";
export { describeConformance } from "./conformance.js";
export { createTestEngine } from "./engine.js";
export { nextDown, nextUp } from "./numbers.js";
export { checkPluginRules, loadPluginRules, pluginRuleWarnings } from "./rule-check.js";
export type { ConformanceOptions } from "./conformance.js";
export type {
  ChannelCheck,
  FeedResult,
  TestEngine,
  TestEngineOptions,
  TestLateValue,
  TestReading,
  TestDecision,
  TestRejection,
  TestRow,
  TestRuleAlert,
} from "./engine.js";
export type { PluginRulesOptions } from "./rule-check.js";
