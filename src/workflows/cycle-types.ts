// Placeholder filled in with the chaos cycle.
export interface CycleStatus {
  phase: string;
}
