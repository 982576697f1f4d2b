// Until the simulator has control methods for them: service replacements and DEGRADED-on-create
// faults on a simulator from outside (tests, the harness, the fault suite).
import { failHsmCreates, HsmReplacement, replaceHsm, ReplaceHsmOptions } from './hsm-replacement';
import { CloudHsmSimulator } from './simulator';
import { SimContext } from './context';

const ctxOf = (sim: CloudHsmSimulator): SimContext => (sim as unknown as { ctx: SimContext }).ctx;

export function replaceInSim(sim: CloudHsmSimulator, region: string, hsmId: string, opts?: ReplaceHsmOptions): HsmReplacement {
  return replaceHsm(ctxOf(sim), region, hsmId, opts);
}

export function failCreatesInSim(sim: CloudHsmSimulator, region: string, count: number, message?: string): void {
  failHsmCreates(ctxOf(sim), region, count, message);
}
