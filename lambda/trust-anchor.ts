import { trustAnchorOf } from './private-ca';
import { IsCompleteResponse, OnEventResponse, ResourceEvent, ResourceHandler } from './types';
import { CA_ARN_PATTERN } from '../src/private/host-rules';
import { checkClusterId } from '../src/private/rules';

/**
 * `Custom::CloudHsmTrustAnchor`: the PEM certificate of the AWS Private CA that signed a cluster's
 * certificate (its trust anchor), as the attribute `TrustAnchor`, for an SSM parameter that client
 * hosts read. A public certificate, a few KB at most: it fits a CloudFormation response. Nothing is
 * made, so nothing is deleted.
 */

interface TrustAnchorProperties {
  readonly clusterId: string;
  readonly certificateAuthorityArn: string;
}

function parse(event: ResourceEvent): TrustAnchorProperties {
  const raw = event.ResourceProperties;
  const props = { clusterId: String(raw.ClusterId ?? ''), certificateAuthorityArn: String(raw.CertificateAuthorityArn ?? '') };
  const errors = [checkClusterId('cluster (ClusterId)', props.clusterId)].filter((e): e is string => e !== undefined);
  if (!CA_ARN_PATTERN.test(props.certificateAuthorityArn)) {
    errors.push(`certificateAuthority (CertificateAuthorityArn): ${JSON.stringify(props.certificateAuthorityArn)} is not an AWS Private CA ARN`);
  }
  if (errors.length > 0) throw new Error(`HsmClient ${event.LogicalResourceId}: ${errors.join('; ')}`);
  return props;
}

async function read(event: ResourceEvent): Promise<IsCompleteResponse> {
  const props = parse(event);
  const who = `HsmClient ${event.LogicalResourceId} (${props.clusterId})`;
  const pem = await trustAnchorOf(who, props.certificateAuthorityArn);
  return { IsComplete: true, PhysicalResourceId: `cdk-cloudhsm:trust-anchor:${props.clusterId}`, Data: { TrustAnchor: pem } };
}

export const trustAnchorHandler: ResourceHandler = {
  async onEvent(event): Promise<OnEventResponse> {
    if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
    const { PhysicalResourceId } = await read(event);
    return { PhysicalResourceId };
  },
  async isComplete(event) {
    if (event.RequestType === 'Delete') return { IsComplete: true };
    return read(event);
  },
};
