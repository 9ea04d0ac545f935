import { allTransforms, isSingleOperator, snakeOperator } from '../registry.js';
import { CAST_OPERATORS, DESTINATION_OPERATORS, FLOW_FORMAT_VERSION, IDENTITY_OPERATORS, NODE_TYPES, SOURCE_OPERATORS } from './format.js';

/**
 * JSON Schema (draft 2020-12) of the flow file, generated from the transform registry so it cannot drift:
 * it fixes the node shape, the operator strings, and for each multi-operator group the allowed
 * `parameters.operator` values and their `<snake_operator>_parameters` blocks. Field-level checks of each
 * operator's parameters are done by the engine (errors name node and field); docs/wrangle.md lists them.
 */
export function flowJsonSchema(): Record<string, unknown> {
  const groups = new Map<string, string[]>();
  for (const t of allTransforms()) groups.set(t.group, [...(groups.get(t.group) ?? []), t.operator]);
  const transformOperators = [...groups.keys()].sort().flatMap((g) => [`tabpilot.${g}_0.1`, `sagemaker.spark.${g}_0.1`]);
  const perGroup = [...groups.entries()]
    .filter(([g]) => !isSingleOperator(g))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([g, ops]) => ({
      if: { properties: { operator: { enum: [`tabpilot.${g}_0.1`, `sagemaker.spark.${g}_0.1`] } }, required: ['operator'] },
      then: {
        properties: {
          parameters: {
            type: 'object',
            required: ['operator'],
            properties: {
              operator: { enum: ops },
              ...Object.fromEntries(ops.map((o) => [`${snakeOperator(o)}_parameters`, { type: 'object' }])),
            },
          },
        },
      },
    }));
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://github.com/tabpilot/tabpilot/schemas/flow.schema.json',
    title: 'tabpilot flow file',
    description: `A Data Wrangler style flow: a DAG of sources, transforms, analyses and destinations (format version ${FLOW_FORMAT_VERSION}). See docs/wrangle.md.`,
    type: 'object',
    required: ['metadata', 'nodes'],
    properties: {
      metadata: {
        type: 'object',
        required: ['version'],
        properties: {
          version: { type: 'integer', minimum: 1, maximum: FLOW_FORMAT_VERSION },
          format: { const: 'tabpilot-flow' },
          seed: { type: 'integer' },
          parameters: {
            type: 'array',
            items: {
              type: 'object',
              required: ['name', 'type', 'default_value'],
              properties: {
                name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
                type: { enum: ['Number', 'String', 'Pattern', 'Datetime'] },
                default_value: { type: ['string', 'number'] },
                datetime_format: { type: 'string' },
                relative_range: { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*(second|minute|hour|day|week|month|year)s?\\s*$' },
                description: { type: 'string' },
              },
            },
          },
        },
      },
      nodes: { type: 'array', items: { $ref: '#/$defs/node' } },
    },
    $defs: {
      input: {
        type: 'object',
        required: ['node_id'],
        properties: { name: { type: 'string' }, node_id: { type: 'string' }, output_name: { type: 'string', default: 'default' } },
      },
      node: {
        type: 'object',
        required: ['node_id', 'type', 'operator'],
        properties: {
          node_id: { type: 'string', minLength: 1 },
          type: { enum: NODE_TYPES },
          operator: { type: 'string' },
          name: { type: 'string' },
          parameters: { type: 'object' },
          trained_parameters: {
            type: 'object',
            description: 'Fitted state as readable JSON plus `_hash` of the parameters it was fitted with; {} forces a refit.',
            properties: { _hash: { type: 'string' } },
          },
          inputs: { type: 'array', items: { $ref: '#/$defs/input' } },
          outputs: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } },
        },
        allOf: [
          { if: { properties: { type: { const: 'SOURCE' } } }, then: { properties: { operator: { enum: SOURCE_OPERATORS }, parameters: { type: 'object', properties: { path: { type: 'string' }, column_types: { type: 'object' }, add_filename_column: { type: 'boolean' }, sampling: { type: 'object', properties: { method: { enum: ['none', 'first_k', 'random', 'stratified'] }, size: { type: 'integer', minimum: 0 }, column: { type: 'string' }, seed: { type: 'integer' } } } } } } } },
          { if: { properties: { type: { const: 'DESTINATION' } } }, then: { properties: { operator: { enum: DESTINATION_OPERATORS }, parameters: { type: 'object', properties: { output_path: { type: 'string' }, output_content_type: { enum: ['CSV', 'PARQUET', 'csv', 'parquet'] } } } } } },
          { if: { properties: { type: { const: 'DATASET' } } }, then: { properties: { operator: { enum: IDENTITY_OPERATORS } } } },
          { if: { properties: { type: { const: 'TRANSFORM' } } }, then: { properties: { operator: { enum: [...transformOperators, ...CAST_OPERATORS] } } } },
          ...perGroup,
        ],
      },
    },
  };
}
