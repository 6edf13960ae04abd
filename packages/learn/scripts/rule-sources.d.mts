/** One gradient rule, as scripts/rule-sources.mjs found it in core's ops/*.ts. */
export interface RuleSource {
  /** The doc comment of the function the rule sits in (its math). */
  comment: string;
  /** The record(…) call(s) that define the rule. */
  source: string;
  /** File under packages/core/src/ops/. */
  file: string;
  /** 1-based line of the rule's name in that file. */
  line: number;
  /** The function the name appears in. */
  fn: string;
}
export const OPS_DIR: string;
export const RULE_NAME: RegExp;
export function extractRuleSources(opsDir?: string): Record<string, RuleSource>;
export function scanRuleNames(opsDir?: string): string[];
