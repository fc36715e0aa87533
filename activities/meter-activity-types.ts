// The activities the meter recompute workflow calls (kept apart from the grant engine's surface).

export interface MeterRecomputeProgress {
  meterId: string;
  version: number;
  /** Events folded by this attempt and those before it (from heartbeat details). */
  processed: number;
  /** The recompute's cursor and the last event it covers: progress is lastSeq against boundary. */
  lastSeq: string;
  boundary: string;
  done: boolean;
  /** A newer definition change took over. */
  stale: boolean;
}

export interface MeterActivities {
  recomputeMeterFigures(input: { meterId: string; version: number; pageSize?: number }): Promise<MeterRecomputeProgress>;
}
