/**
 * The per-record step of a pipeline, shared by live runs and dry runs:
 * source validation → filter → mapping → target validation. A record either comes out, is filtered, or is
 * rejected at exactly one stage with reasons a data owner can act on. Nothing here writes anywhere: sinks
 * are the caller's business, which is what makes `dryRun` safe.
 */
import { type CompiledFilter, type CompiledMapping, compileMapping } from './apply-mapping.ts';
import { assertValidMapping, type CheckMappingOptions } from './check-mapping.ts';
import type { JsonSchema, RecordValidator, ValidatorCache } from './validate-record.ts';

export const REJECT_STAGES = ['source-validation', 'filter', 'mapping', 'target-validation'] as const;
export type RejectStage = (typeof REJECT_STAGES)[number];

/** Why a record was rejected: a JSON Pointer `path` (validation) or a `rule` and target `field` (mapping). */
export interface RejectReason {
  path?: string;
  rule?: string;
  field?: string;
  message: string;
}

export type RecordOutcome =
  | { kind: 'out'; value: Record<string, unknown> }
  | { kind: 'filtered' }
  | { kind: 'rejected'; stage: RejectStage; reasons: RejectReason[] };

export interface PipelineParts {
  sourceValidator?: RecordValidator;
  /** Overrides the mapping's own filter when given. */
  filter?: CompiledFilter;
  mapping: CompiledMapping;
  targetValidator?: RecordValidator;
}

/** Runs one record through the stages; never throws. */
export async function processRecord(record: unknown, parts: PipelineParts): Promise<RecordOutcome> {
  try {
    const sourceErrors = parts.sourceValidator?.(record) ?? [];
    if (sourceErrors.length > 0)
      return { kind: 'rejected', stage: 'source-validation', reasons: sourceErrors };
    const filter = parts.filter ?? parts.mapping.filter;
    if (filter) {
      const decision = await filter(record);
      if (!decision.ok) return { kind: 'rejected', stage: 'filter', reasons: decision.errors };
      if (!decision.keep) return { kind: 'filtered' };
    }
    const mapped = await parts.mapping.map(record);
    if (!mapped.ok) return { kind: 'rejected', stage: 'mapping', reasons: mapped.errors };
    const targetErrors = parts.targetValidator?.(mapped.value) ?? [];
    if (targetErrors.length > 0)
      return { kind: 'rejected', stage: 'target-validation', reasons: targetErrors };
    return { kind: 'out', value: mapped.value };
  } catch (err) {
    // Only a bug gets here (validators and mappings report, they do not throw); keep the run going.
    return { kind: 'rejected', stage: 'mapping', reasons: [{ message: `internal error: ${String(err)}` }] };
  }
}

export interface DryRunResult {
  /** Mapped records, with their position in the input. */
  outputs: { index: number; value: Record<string, unknown> }[];
  rejected: { index: number; stage: RejectStage; reasons: RejectReason[] }[];
  counts: { total: number; out: number; filtered: number; rejected: number } & Record<RejectStage, number>;
}

/** Runs sample records through the pipeline parts and reports; writes nothing. Callers cap the sample size. */
export async function dryRun(records: readonly unknown[], parts: PipelineParts): Promise<DryRunResult> {
  const result: DryRunResult = {
    outputs: [],
    rejected: [],
    counts: {
      total: records.length,
      out: 0,
      filtered: 0,
      rejected: 0,
      'source-validation': 0,
      filter: 0,
      mapping: 0,
      'target-validation': 0,
    },
  };
  for (const [index, record] of records.entries()) {
    const outcome = await processRecord(record, parts);
    if (outcome.kind === 'out') {
      result.outputs.push({ index, value: outcome.value });
      result.counts.out++;
    } else if (outcome.kind === 'filtered') {
      result.counts.filtered++;
    } else {
      result.rejected.push({ index, stage: outcome.stage, reasons: outcome.reasons });
      result.counts.rejected++;
      result.counts[outcome.stage]++;
    }
  }
  return result;
}

export interface PreparePipelineInput {
  /** The mapping document as received (checked here). */
  mapping: unknown;
  sourceSchema: JsonSchema;
  targetSchema: JsonSchema;
  validators: ValidatorCache;
}

/**
 * Checks a mapping against both structure versions and builds the parts to run it: what a dry-run
 * endpoint for an unsaved mapping and a pipeline start both need. Throws a 400 `URBS_INVALID_MAPPING`
 * problem naming the first bad rule and field.
 */
export function preparePipeline(
  input: PreparePipelineInput,
  options: CheckMappingOptions = {},
): PipelineParts {
  const { mapping, sourceSchema, targetSchema, validators } = input;
  assertValidMapping(mapping, sourceSchema, targetSchema, options);
  return {
    sourceValidator: validators.get(sourceSchema),
    mapping: compileMapping(mapping),
    targetValidator: validators.get(targetSchema),
  };
}
