import { Annotations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { HsmChain } from './hsm-chain';

/** The warning id of a rule that needs HSMs on a cluster allowed to have none (`allowZeroHsms`). */
export const ZERO_HSMS_WARNING = '@cdk-cloudhsm:zeroHsms';

/**
 * A synth-time rule that needs HSMs in the cluster, when the stack declares none. A cluster allowed
 * to have no HSM (`allowZeroHsms`) may have had that step done by an earlier deployment, so the rule
 * becomes a warning on `scope` that names the consequence; otherwise it is the error given.
 *
 * @returns the errors to report (none when the cluster has HSMs or may have none)
 */
export function ruleNeedingHsms(scope: IConstruct, chain: HsmChain, error: string, consequence: string): string[] {
  if (chain.count > 0) return [];
  if (!chain.mayBeEmpty) return [error];
  Annotations.of(scope).addWarningV2(ZERO_HSMS_WARNING, `${scope.node.path}: the cluster has no HSM in this deployment (allowZeroHsms). ${consequence}`);
  return [];
}
