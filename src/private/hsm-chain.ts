import { CustomResource } from 'aws-cdk-lib';
import { IConstruct, IDependable } from 'constructs';

/**
 * The HSMs declared for one cluster, in order. Each HSM's resource depends on the previous one,
 * so CloudFormation creates (and deletes, in reverse) one HSM of a cluster at a time.
 */
export class HsmChain {
  /** Whether the cluster is known to be initialized and activated (so it may hold several HSMs). */
  public activated = false;
  /**
   * Whether the cluster is a custom resource of this stack's provider: the provider's policy then
   * cannot name its ARN (that would be a dependency cycle) and uses the account's cluster ARNs.
   */
  public createdByProvider = false;
  private last?: CustomResource;
  private first?: CustomResource;
  private members: IConstruct[] = [];
  private readonly resources: CustomResource[] = [];
  private activation?: IDependable;
  private readonly firstListeners: Array<(resource: CustomResource) => void> = [];

  /** How many HSMs are declared for the cluster. */
  public get count(): number {
    return this.members.length;
  }

  public add(hsm: IConstruct, resource: CustomResource): void {
    if (this.last) resource.node.addDependency(this.last);
    this.last = resource;
    this.members.push(hsm);
    this.resources.push(resource);
    if (this.activation && this.resources.length > 1) resource.node.addDependency(this.activation);
    if (!this.first) {
      this.first = resource;
      this.firstListeners.forEach((f) => f(resource));
    }
  }

  /**
   * The stack activates the cluster: every HSM after the first waits for `activation` (the cluster
   * takes a second HSM only once it is active), and the cluster counts as activated.
   */
  public setActivation(activation: IDependable): void {
    this.activation = activation;
    this.activated = true;
    this.resources.slice(1).forEach((r) => r.node.addDependency(activation));
  }

  /** Calls `f` with the resource of the cluster's first HSM: now if it is declared, otherwise when it is. */
  public onFirstHsm(f: (resource: CustomResource) => void): void {
    if (this.first) f(this.first);
    else this.firstListeners.push(f);
  }
}

const chains = new WeakMap<object, HsmChain>();

/** The chain of a cluster object, created on first use. */
export function hsmChainOf(cluster: object): HsmChain {
  let chain = chains.get(cluster);
  if (!chain) {
    chain = new HsmChain();
    chains.set(cluster, chain);
  }
  return chain;
}
