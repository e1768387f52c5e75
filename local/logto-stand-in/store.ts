import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import type { StandInState } from './model.ts';

/**
 * The stand-in's state, optionally mirrored to a JSON file. Every change goes through {@link Store.update},
 * which writes the whole document to a temporary file and renames it over the old one, so a crash or a
 * restart never sees half a write.
 */
export class Store {
  private constructor(
    readonly state: StandInState,
    private readonly dataFile: string | undefined,
  ) {}

  /** Loads `dataFile` when it exists, otherwise starts from `initial()` (and writes it). */
  static async open(dataFile: string | undefined, initial: () => Promise<StandInState>): Promise<Store> {
    const saved = dataFile === undefined ? undefined : readState(dataFile);
    const store = new Store(saved ?? (await initial()), dataFile);
    if (!saved) store.save();
    return store;
  }

  /** Applies a change and persists it; returns what `change` returns. */
  update<T>(change: (state: StandInState) => T): T {
    const result = change(this.state);
    this.save();
    return result;
  }

  private save() {
    if (this.dataFile === undefined) return;
    mkdirSync(dirname(this.dataFile), { recursive: true });
    const temporary = `${this.dataFile}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.state, null, 2));
    renameSync(temporary, this.dataFile);
  }
}

function readState(dataFile: string): StandInState | undefined {
  let text: string;
  try {
    text = readFileSync(dataFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const state = JSON.parse(text) as StandInState;
  if (state.version !== 1) throw new Error(`${dataFile}: unsupported stand-in state version ${String(state.version)}`);
  return state;
}
