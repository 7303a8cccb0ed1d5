/** Everything one run measured, as `--json` writes it. */

import type { CpuHeavyResult } from './scenarios/cpu-heavy.js';
import type { LatencyResult } from './scenarios/latency.js';
import type { MixedResult } from './scenarios/mixed.js';
import type { SweepResult } from './scenarios/payload-sweep.js';
import type { PeerResult } from './scenarios/peers.js';
import type { QueueResult } from './scenarios/queue.js';
import type { ClientThroughput } from './scenarios/throughput.js';
import type { UserEndpointResult } from './scenarios/user-endpoint.js';
import type { WorkersSweepResult } from './scenarios/workers-sweep.js';
import type { Load } from './support/machine-load.js';

/** The results of the scenarios that ran; a scenario that did not run is absent. */
export interface Results {
  readonly latency?: LatencyResult;
  readonly throughput?: ClientThroughput[];
  readonly cpuHeavy?: CpuHeavyResult[];
  readonly payloadSweep?: SweepResult;
  readonly workersSweep?: WorkersSweepResult;
  /** Light requests beside heavy callbacks (issue 17). */
  readonly mixed?: MixedResult;
  readonly peers?: PeerResult[];
  /** The opt-in queue scenario, or why it was skipped. */
  readonly queue?: QueueResult;
  readonly userEndpoint?: UserEndpointResult;
  /** How busy the machine was during each scenario (Linux). */
  readonly load?: Record<string, Load>;
}
