/**
 * @tensorgrad/learn — the pieces behind the page that steps through backward(): expressions and
 * their presets, a recorded backward pass, forward-mode tangents, the nudge, and the server.
 */
export { PRESETS, presetById, type Preset } from './presets.js';
export { evaluateExpression, describeError, HELPERS, type Evaluation, type EvaluateOptions, type Precision } from './expression.js';
export { traceBackward, graphOf, type Trace, type TraceNode, type TraceStep, type TraceFlow, type NodeKind } from './trace.js';
export { traceTangents, type TangentTrace } from './forward-trace.js';
export { nudge, dot, type NudgeResult } from './nudge.js';
export { startLearnServer, PAGE_FILE, UsageError, type LearnServer, type LearnServerOptions } from './serve.js';
