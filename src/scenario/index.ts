/**
 * The scenario layer (DESIGN §5.2): schema, validation with clear errors, loading JSON and
 * TypeScript scenario files, and conversion of a scenario's faults to the kernel's fault plan.
 * Other modules import from here only.
 */
export * from './schema.js';
export { ScenarioError, formatPath, formatProblem, describeValue, type ScenarioProblem } from './errors.js';
export { parseScenario, checkScenario } from './validate.js';
export { parseJsonText, lineColumn, MAX_JSON_DEPTH } from './json.js';
export {
  loadScenarioFile,
  loadScenarios,
  resolveScenario,
  displayPath,
  isScenarioFileName,
  MAX_SUITE_FILES,
  type LoadedScenario,
} from './load.js';
export { pitfallLessons, isCovered, coverageLine, type PitfallLessons } from './pitfalls.js';
export { fromFault, toFault, toFaultPlan } from './convert.js';
