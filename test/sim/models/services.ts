// The services whose published models the simulator validates requests against: which botocore
// model each one is, which operations the simulator serves, and which error a request that breaks
// the model's input constraints gets. The committed models (test/sim/models/<service>.json) are
// generated from this table (generate.ts); the simulator reads only those files.

import { PCA_OPERATIONS } from '../pca';
import { KMS_OPERATIONS, OPERATIONS, SECRETS_OPERATIONS, SSM_OPERATIONS } from '../types';

/** A member whose length violation the service answers with its own error (cited from the model). */
export interface LengthError {
  /** the shape whose min/max it is */
  readonly shape: string;
  readonly code: string;
  /** a sentence of the model's documentation of a member of that shape that says so */
  readonly cite: string;
}

export interface ServiceSource {
  /** file name of the committed model */
  readonly name: ModelName;
  /** botocore's directory name of the service */
  readonly botocore: string;
  readonly operations: readonly string[];
  /** the error of a request that breaks an input constraint */
  readonly validationError: string;
  /** why it is that error */
  readonly validationErrorSource: string;
  readonly lengthErrors?: readonly LengthError[];
}

export type ModelName = 'cloudhsmv2' | 'kms' | 'ssm' | 'secretsmanager' | 'acm-pca';

// AWS JSON services answer input-constraint violations with ValidationException ("The input fails
// to satisfy the constraints specified by an AWS service", the Common Errors page of each API
// reference), a framework error most models do not list.
const COMMON = 'the Common Errors of the API reference: ValidationException, "The input fails to satisfy the constraints specified by an AWS service"';

export const SERVICE_SOURCES: readonly ServiceSource[] = [
  {
    name: 'cloudhsmv2',
    botocore: 'cloudhsmv2',
    operations: OPERATIONS,
    validationError: 'CloudHsmInvalidRequestException',
    validationErrorSource: 'the model\'s CloudHsmInvalidRequestException ("The request was rejected because it is not a valid request"), an error of every operation; the live service may use ValidationException instead (test/sim/README.md, open)',
  },
  {
    name: 'kms',
    botocore: 'kms',
    operations: KMS_OPERATIONS,
    validationError: 'ValidationException',
    validationErrorSource: `${COMMON}; the model's PutKeyPolicy.PolicyName documentation: "the request fails with a ValidationException"`,
    lengthErrors: [{
      shape: 'PolicyType',
      code: 'LimitExceededException',
      cite: 'If the key policy exceeds the length constraint, KMS returns a LimitExceededException.',
    }],
  },
  {
    name: 'ssm',
    botocore: 'ssm',
    operations: SSM_OPERATIONS,
    validationError: 'ValidationException',
    validationErrorSource: 'the model\'s ValidationException ("The request isn\'t valid. Verify that you entered valid contents for the command and try again.")',
  },
  {
    name: 'secretsmanager',
    botocore: 'secretsmanager',
    operations: SECRETS_OPERATIONS,
    validationError: 'ValidationException',
    validationErrorSource: COMMON,
  },
  {
    name: 'acm-pca',
    botocore: 'acm-pca',
    operations: PCA_OPERATIONS,
    validationError: 'ValidationException',
    validationErrorSource: COMMON,
  },
];
