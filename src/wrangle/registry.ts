import type { TransformDef } from './step.js';
import { combineTransforms } from './transforms/index.js';

/**
 * Every transform, keyed by group and operator. A flow node's `operator` names the group
 * (`tabpilot.<group>_0.1`, or Data Wrangler's `sagemaker.spark.<group>_0.1`); groups with several
 * operators pick one with `parameters.operator` and read `parameters.<snake_operator>_parameters`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTransform = TransformDef<any, any>;

const ALL: AnyTransform[] = combineTransforms();
const BY_GROUP = new Map<string, AnyTransform[]>();
for (const t of ALL) {
  const list = BY_GROUP.get(t.group) ?? [];
  list.push(t);
  BY_GROUP.set(t.group, list);
}

export function transformGroups(): string[] {
  return [...BY_GROUP.keys()].sort();
}

export function transformsOf(group: string): AnyTransform[] | undefined {
  return BY_GROUP.get(group);
}

export function allTransforms(): AnyTransform[] {
  return ALL.slice();
}

export function snakeOperator(operator: string): string {
  return operator.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');
}

/** Whether a group takes flat parameters (a single operator) or `{operator, <snake>_parameters}`. */
export function isSingleOperator(group: string): boolean {
  return (BY_GROUP.get(group)?.length ?? 0) === 1;
}
