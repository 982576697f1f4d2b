import { Annotations, Aspects, CustomResource, IAspect, Stack, Token } from 'aws-cdk-lib';
import { IConstruct, IDependable } from 'constructs';
import { slotAddresses } from './hsm-address';
import { ACTIVATION_RULE_ADVICE } from './rules';

/** How an HSM's handler tells its HSM apart: the address given, or the slot's in the subnet's CIDR. */
export interface HsmIdentity {
  readonly ipAddress?: string;
  readonly subnetCidr?: string;
  readonly slot: number;
  /** The Availability Zone of the HSM, when known at synth time (a KMS key store needs two). */
  readonly availabilityZone?: string;
}

/** One declared HSM: its construct, its resource, and how its handler can tell its HSM apart. */
interface Member extends HsmIdentity {
  readonly hsm: IConstruct;
  readonly resource: CustomResource;
  readonly identified: boolean;
}

/**
 * The HSMs declared for one cluster, and the order CloudFormation must create them in.
 *
 * The service takes a second HSM only once the cluster is activated; after that it takes several
 * CreateHsm at once. So:
 * - on a cluster known to be activated (`activated: true`, restored from a backup), no HSM depends on another;
 * - on a new cluster, the first HSM comes alone and every other HSM depends on the first and on the
 *   activation (`setActivation`), not on each other;
 * - on a new cluster that this stack does not activate, every HSM depends on the previous one, so
 *   the deployment fails at the second HSM with the service's rule (and synth warns);
 * - on a cluster that may be emptied (`mayBeEmpty`), every other HSM depends on the first: when the
 *   first is created on an emptied cluster, the service restores the latest backup onto it, and the
 *   others join a cluster that has its users and keys again (created together, after it).
 * If one HSM's handler cannot tell its HSM from a sibling's (no address given and no subnet CIDR
 * known), every HSM of the cluster depends on the previous one.
 *
 * Dependencies are added when the stack is synthesized, so HSMs and the activation may be declared in any order.
 */
export class HsmChain {
  /** Whether the cluster is known to be initialized and activated (so it may hold several HSMs). */
  public activated = false;
  /**
   * Whether the cluster is a custom resource of this stack's provider: the provider's policy then
   * cannot name its ARN (that would be a dependency cycle) and uses the account's cluster ARNs.
   */
  public createdByProvider = false;
  /**
   * Whether the cluster may have no HSM in a deployment (`allowZeroHsms`): its first HSM may then be
   * restored from a backup, so the others always wait for it (see `order`).
   */
  public mayBeEmpty = false;
  private activation?: IDependable;
  private readonly members: Member[] = [];
  private readonly firstListeners: Array<(resource: CustomResource) => void> = [];
  private readonly backupMakers: CustomResource[] = [];
  private readonly backupMakerListeners: Array<(resource: CustomResource) => void> = [];
  private ordered = false;

  /** @param cluster the cluster construct, where the one-HSM warning is shown */
  constructor(private readonly cluster: IConstruct) {}

  /** How many HSMs are declared for the cluster. */
  public get count(): number {
    return this.members.length;
  }

  /** The Availability Zones of the declared HSMs (undefined where not known at synth time). */
  public get availabilityZones(): Array<string | undefined> {
    return this.members.map((m) => m.availabilityZone);
  }

  /** Whether the cluster may hold several HSMs in this deployment: activated before, or by this stack. */
  public get canHoldSeveral(): boolean {
    return this.activated || this.activation !== undefined;
  }

  /**
   * The resource that activates the cluster in this stack; every HSM after the first depends on it,
   * and the cluster then counts as activated (so no one-HSM warning).
   */
  public setActivation(activation: IDependable): void {
    this.activation = activation;
    // Activation makes the cluster's first backup.
    if (activation instanceof CustomResource) this.addBackupMaker(activation);
  }

  /**
   * Declares an HSM of the cluster. Its handler recognises its own HSM among several created at
   * once when it has an address: given, or derived from a known subnet CIDR.
   */
  public add(hsm: IConstruct, resource: CustomResource, identity: HsmIdentity): void {
    const identified = identity.ipAddress !== undefined || identity.subnetCidr !== undefined;
    this.members.push({ hsm, resource, identified, ...identity });
    if (this.members.length === 1) this.firstListeners.forEach((f) => f(resource));
    if (!this.ordered) {
      this.ordered = true;
      const chain = this;
      const stack = Stack.of(resource);
      const aspect: IAspect = { visit: (node) => { if (node === stack) chain.order(); } };
      Aspects.of(stack).add(aspect);
    }
    this.addBackupMaker(resource);
  }

  /**
   * A resource after which the cluster can have a backup: CloudHSM backs a cluster up when it is
   * activated, when HSMs are added or removed, and daily, so its HSMs and the steps towards
   * activation (initialization) come before a copy of its backup.
   */
  public addBackupMaker(resource: CustomResource): void {
    this.backupMakers.push(resource);
    this.backupMakerListeners.forEach((f) => f(resource));
  }

  /** Calls `f` with every backup maker of the cluster: those declared now and those declared later. */
  public onBackupMaker(f: (resource: CustomResource) => void): void {
    this.backupMakers.forEach(f);
    this.backupMakerListeners.push(f);
  }

  /** Calls `f` with the resource of the cluster's first HSM: now if it is declared, otherwise when it is. */
  public onFirstHsm(f: (resource: CustomResource) => void): void {
    if (this.members.length > 0) f(this.members[0].resource);
    else this.firstListeners.push(f);
  }

  /** Adds each HSM's dependencies by the rules above (once, at synthesis). */
  private order(): void {
    const [first, ...others] = this.members;
    if (!first) return;
    if (others.length > 0 && !this.canHoldSeveral) {
      Annotations.of(this.cluster).addWarningV2('@cdk-cloudhsm:hsmBeforeActivation',
        `${this.cluster.node.path} declares more than one HSM but is not known to be activated. `
        + `${ACTIVATION_RULE_ADVICE}. A deployment that creates the second HSM before that fails.`);
    }
    this.checkGivenAddresses();
    const together = this.canHoldSeveral && this.members.every((m) => m.identified);
    others.forEach((m, i) => {
      if (!together) m.resource.node.addDependency(this.members[i].resource);
      else if (!this.activated) m.resource.node.addDependency(first.resource, this.activation!);
      else if (this.mayBeEmpty) m.resource.node.addDependency(first.resource);
    });
  }

  /** A given address must not be one a sibling without one may derive: both would claim one HSM. */
  private checkGivenAddresses(): void {
    const known = (v?: string): v is string => v !== undefined && !Token.isUnresolved(v);
    for (const m of this.members.filter((x) => known(x.ipAddress))) {
      const sibling = this.members.find((o) => o.ipAddress === undefined && known(o.subnetCidr)
        && slotAddresses(o.subnetCidr, o.slot).includes(m.ipAddress!));
      if (sibling) {
        Annotations.of(m.hsm).addError(`ipAddress: "${m.ipAddress}" is one of the addresses reserved for ${sibling.hsm.node.path} `
          + `(HSM number ${sibling.slot + 1} of the cluster, without ipAddress) in ${sibling.subnetCidr}; pick another address `
          + '(HSMs without ipAddress use addresses counted down from the top of the subnet)');
      }
    }
  }
}

const chains = new WeakMap<object, HsmChain>();

/** The chain of a cluster object, created on first use. */
export function hsmChainOf(cluster: IConstruct): HsmChain {
  let chain = chains.get(cluster);
  if (!chain) {
    chain = new HsmChain(cluster);
    chains.set(cluster, chain);
  }
  return chain;
}
