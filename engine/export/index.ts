// A store's committed outputs as files (`meterflow export`).
export { ExportError, exportOutputs } from "./export.js";
export type { ExportOptions, ExportSummary } from "./export.js";
