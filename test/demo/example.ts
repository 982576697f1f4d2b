// Synthesizes examples/basic into a throw-away directory and returns its template, so the demo
// and the tests deploy exactly what `cdk synth` of the example produces.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { BasicStack, BasicStackProps } from '../../examples/basic/app';
import { CfnTemplate } from '../harness/types';

export const BASIC_STACK_NAME = 'CloudHsmBasic';

/** The example's template for these props; `context` reaches the app (e.g. provider tuning). */
export function basicTemplate(props: BasicStackProps = {}, context: Record<string, unknown> = {}): CfnTemplate {
  const outdir = mkdtempSync(path.join(tmpdir(), 'cdk-cloudhsm-basic-'));
  try {
    const app = new App({ outdir, context });
    new BasicStack(app, BASIC_STACK_NAME, { env: { account: '123456789012', region: 'us-east-1' }, ...props });
    return app.synth().getStackByName(BASIC_STACK_NAME).template as CfnTemplate;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
