// What the handler tests of Custom::CloudHsmKeyStore share (key-store-*.test.ts): the mocked CloudHSM,
// SSM, KMS and Secrets Manager clients, the resource, its properties and events, and the states
// the tests start from. Importing it registers the beforeEach that resets the mocks.

import { CloudHSMV2Client, DescribeClustersCommand } from '@aws-sdk/client-cloudhsm-v2';
import { CreateCustomKeyStoreCommand, DescribeCustomKeyStoresCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DescribeInstanceInformationCommand, ListCommandsCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { resourceEvent, useHandlerEnv } from './fixtures';
import { resetKmsClient, resetSecretsManagerClient, resetSsmClient, setClientFactory } from '../../lambda/aws';
import { ResourceEvent } from '../../lambda/types';

export const hsmMock = mockClient(CloudHSMV2Client);
// aws-sdk-client-mock 2.2.0 is typed for the CloudHSM client's SDK generation; these clients are newer.
export const ssmMock: any = mockClient(SSMClient as any);
export const kmsMock: any = mockClient(KMSClient as any);
export const secretsMock: any = mockClient(SecretsManagerClient as any);

useHandlerEnv();

export const CLUSTER_ID = 'cluster-abcdefghijk';
export const OTHER_CLUSTER = 'cluster-zyxwvutsrqp';
export const INSTANCE_ID = 'i-0123456789abcdef0';
export const ADMIN_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cluster-admin-AbCdEf';
export const KMSUSER_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:kmsuser-GhIjKl';
export const KMSUSER_PASSWORD = 'Kms4User5Password6Secret7Value8x';
export const STORE_ID = 'cks-1234567890abcdef0';
export const NAME = 'app-keys';
export const REQUEST_ID = '6a1e5a8e-1b2c-4d3e-8f90-0123456789ab';
export const OTHER_REQUEST = '0b1c2d3e-1b2c-4d3e-8f90-0123456789ab';
export const ROOT = '-----BEGIN CERTIFICATE-----\nMIIrootcertificate\n-----END CERTIFICATE-----';
export const PROPS = {
  ServiceToken: 'x',
  ClusterId: CLUSTER_ID,
  InstanceId: INSTANCE_ID,
  AdminSecretArn: ADMIN_ARN,
  KmsUserSecretArn: KMSUSER_ARN,
  CustomKeyStoreName: NAME,
  TrustAnchor: ROOT,
};
export const COMMENT = `cdk-cloudhsm kmsuser ${CLUSTER_ID} ${REQUEST_ID}`;
export const WHO = `HsmKeyStore KeyStore ("${NAME}" on ${CLUSTER_ID})`;

export const RESOURCE = { type: 'Custom::CloudHsmKeyStore', logicalId: 'KeyStore', requestId: REQUEST_ID };
export function event(type: 'Create' | 'Update' | 'Delete', props: Record<string, any> = PROPS, extra: Partial<ResourceEvent> = {}): ResourceEvent {
  return resourceEvent(RESOURCE, type, props, {
    PhysicalResourceId: type === 'Create' ? `cdk-cloudhsm:key-store:${CLUSTER_ID}` : STORE_ID,
    OldResourceProperties: type === 'Update' ? PROPS : undefined,
    ...extra,
  });
}

export type Hsm = { az: string; state?: string; ip?: string };
export function clusterIs(state: string, hsms: Hsm[] = [{ az: 'us-east-1a' }, { az: 'us-east-1b' }]): void {
  hsmMock.on(DescribeClustersCommand).resolves({
    Clusters: [{
      ClusterId: CLUSTER_ID,
      State: state,
      PreCoPassword: 'pre-co-secret',
      Hsms: hsms.map((h, i) => ({ HsmId: `hsm-abcdefghij${i}`, State: h.state ?? 'ACTIVE', AvailabilityZone: h.az, EniIp: h.ip ?? `10.0.${i}.15`, ClusterId: CLUSTER_ID })),
    } as any],
  });
}
export function noStore(): void {
  kmsMock.on(DescribeCustomKeyStoresCommand).rejects(Object.assign(new Error('no such store'), { name: 'CustomKeyStoreNotFoundException' }));
}
export function storeIs(state: string, extra: Record<string, unknown> = {}): void {
  kmsMock.on(DescribeCustomKeyStoresCommand).resolves({
    CustomKeyStores: [{ CustomKeyStoreId: STORE_ID, CustomKeyStoreName: NAME, CloudHsmClusterId: CLUSTER_ID, ConnectionState: state, ...extra }],
  });
}
export const hostIs = (pingStatus: string) => ssmMock.on(DescribeInstanceInformationCommand)
  .resolves({ InstanceInformationList: [{ InstanceId: INSTANCE_ID, PingStatus: pingStatus }] });
export const commandsAre = (...commands: { id: string; status: string; comment: string; at?: number }[]) => ssmMock.on(ListCommandsCommand)
  .resolves({ Commands: commands.map((c) => ({ CommandId: c.id, Status: c.status, Comment: c.comment, RequestedDateTime: new Date(c.at ?? 0) })) });
export const kmsCalls = (command: any) => kmsMock.commandCalls(command);
export const failed = async (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: Error) => e.message);

beforeEach(() => {
  hsmMock.reset();
  ssmMock.reset();
  kmsMock.reset();
  secretsMock.reset();
  setClientFactory(() => new CloudHSMV2Client({ region: 'us-east-1' }));
  resetSsmClient();
  resetKmsClient();
  resetSecretsManagerClient();
  ssmMock.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-new' } });
  secretsMock.on(GetSecretValueCommand).resolves({ SecretString: KMSUSER_PASSWORD });
  kmsMock.on(CreateCustomKeyStoreCommand).resolves({ CustomKeyStoreId: STORE_ID });
});
