// The newest-versions leg fails when a release breaks users: shown on a known-bad combination,
// aws-cdk-lib 2.278.0 (which knows nodejs26.x) with the packed library made to choose its handler's
// runtime the old way (nodejs24.x pinned, no explanation on the Provider framework's functions).
// That is what users of cdk-cloudhsm met with cdk-nag before the runtime followed aws-cdk-lib.
import { runLeg } from './leg';

test('aws-cdk-lib 2.278.0 with the handler pinned to nodejs24.x: the leg reports the AwsSolutions-L1 findings and fails', () => {
  const result = runLeg({ versions: { awsCdkLib: '2.278.0' }, legacyRuntime: true, nagOnly: true });
  const failed = result.cases.filter((c) => c.failure !== undefined);
  // Every example, with both cdk-nag majors, fails.
  expect(failed).toHaveLength(result.cases.length);
  expect(result.cases).toHaveLength(10);
  const basic2 = result.nag.find((r) => r.example === 'basic' && r.nag === '2.x')!;
  const basic3 = result.nag.find((r) => r.example === 'basic' && r.nag === '3.x')!;
  for (const r of [basic2, basic3]) {
    expect(r.library).toEqual(expect.arrayContaining([
      '/CloudHsmBasic/CdkCloudHsmProvider/OnEvent/Resource AwsSolutions-L1',
      '/CloudHsmBasic/CdkCloudHsmProvider/IsComplete/Resource AwsSolutions-L1',
      '/CloudHsmBasic/CdkCloudHsmProvider/Provider/framework-onEvent/Resource AwsSolutions-L1',
      '/CloudHsmBasic/CdkCloudHsmProvider/Provider/framework-isComplete/Resource AwsSolutions-L1',
      '/CloudHsmBasic/CdkCloudHsmProvider/Provider/framework-onTimeout/Resource AwsSolutions-L1',
    ]));
  }
}, 900_000);
