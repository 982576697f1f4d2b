// The world the fault tests run lifecycles in: one simulator for the whole test file, served over
// HTTP as the handler reaches it, with the handler's logging off.
import { CloudHsmSimulator, SimulatorServer, startSimulatorServer } from '../sim';

/** The simulator and the URL it is served at, once the file's `beforeAll` has run. */
export interface FaultWorld {
  readonly sim: CloudHsmSimulator;
  readonly url: string;
}

/** Starts the simulator (seed 1) before the file's tests and stops it after them. */
export function useFaultWorld(): FaultWorld {
  const sim = new CloudHsmSimulator({ seed: 1 });
  let server: SimulatorServer | undefined;
  beforeAll(async () => {
    process.env.CDK_CLOUDHSM_QUIET = '1';
    server = await startSimulatorServer(sim);
  });
  afterAll(() => server?.close());
  return {
    sim,
    get url(): string {
      if (!server) throw new Error('the simulator is served from beforeAll on');
      return server.url;
    },
  };
}
