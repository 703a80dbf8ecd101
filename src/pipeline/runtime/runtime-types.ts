/**
 * What the rest of urbs sees of the in-process pipeline runtime (pipeline-runtime.ts). A Pipeline
 * (control model) reads one DataSource, filters and maps each record, and writes batches to the sinks of
 * its DataSet. Pull sources (MQTT, HTTP poll, SQL) are started by the runtime; push sources (HTTP push, file
 * upload) hand their records in through `push`.
 */
import type { RawRecord } from '../../ingest/connector.ts';

export type PipelineState = 'stopped' | 'starting' | 'running' | 'error';

/** Counters since the pipeline was created (persisted with every batch, so exact across restarts). */
export interface PipelineCounters {
  in: number;
  out: number;
  filtered: number;
  rejected: number;
}

export interface PipelineStatus {
  pipelineId: number;
  state: PipelineState;
  /** The urbs process running it (host/pid/…), when one does. */
  node: string | null;
  counters: PipelineCounters;
  /** The reason of the last failure (source or write), secrets masked; kept until the next failure. */
  lastError: string | null;
  lastErrorAt: string | null;
  /** When the last batch was committed. */
  lastBatchAt: string | null;
  /** Milliseconds between the newest committed record's arrival and its commit (how far the sinks lag). */
  lagMs: number | null;
}

/** The outcome of records handed in by `push` (HTTP push route, file upload). */
export interface PushResult {
  /** Records received. */
  in: number;
  /** Written to the sinks (summed over the pipelines reading the source). */
  out: number;
  filtered: number;
  /** Sent to the dead letters (none is lost). */
  rejected: number;
  /** The pipelines that took the records. */
  pipelines: number[];
}

export interface PipelineRuntime {
  /**
   * Hands records of a push source to every running pipeline of that source in the tenant; resolves when
   * each has committed them (written or dead-lettered). Throws a 409 DomainError (`URBS_NO_RUNNING_PIPELINE`)
   * when no pipeline runs the source, so a sender learns its records were not taken.
   */
  push(tenant: string, sourceId: number, records: RawRecord[]): Promise<PushResult>;
  /** The live status of a pipeline (counters from the database, state from this process). */
  status(tenant: string, pipelineId: number): Promise<PipelineStatus>;
  /** Starts a stored pipeline (after the release transaction committed, or on the start action). */
  start(tenant: string, pipelineId: number): Promise<void>;
  /** Stops it; resolves when the batch in progress is committed. */
  stop(tenant: string, pipelineId: number): Promise<void>;
  /** Starts every pipeline whose desired state is RUNNING (at platform start). */
  resumeAll(): Promise<void>;
  /** Stops every pipeline (shutdown); resolves when all batches in progress are committed. */
  close(): Promise<void>;
}
