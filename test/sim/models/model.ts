// The compact service models generate.ts extracts from botocore, and their loading. A model holds
// the input shapes of the operations the simulator serves, with their constraints.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModelName } from './services';

/** One shape of a service model (botocore's names and meanings). */
export interface ModelShape {
  readonly type: 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'float' | 'double' | 'boolean' | 'timestamp' | 'blob';
  /** structure: member name -> shape name */
  readonly members?: Readonly<Record<string, string>>;
  readonly required?: readonly string[];
  /** list: item shape; map: key and value shapes */
  readonly member?: string;
  readonly key?: string;
  readonly value?: string;
  /** length (string, blob, list, map) or value (numbers) */
  readonly min?: number;
  readonly max?: number;
  /** a Java regular expression the whole value must match */
  readonly pattern?: string;
  readonly enum?: readonly string[];
  /** the value is never shown in a message */
  readonly sensitive?: boolean;
  /** the error of a length violation of this shape, when the model documents one of its own */
  readonly lengthError?: string;
}

export interface ServiceModel {
  readonly service: ModelName;
  readonly apiVersion: string;
  readonly targetPrefix: string;
  /** the botocore version the model was extracted from */
  readonly botocore: string;
  /** the error type of a request that breaks a constraint */
  readonly validationError: string;
  readonly validationErrorSource: string;
  /** served operation -> its input shape (null: no input) */
  readonly operations: Readonly<Record<string, string | null>>;
  readonly shapes: Readonly<Record<string, ModelShape>>;
}

const cache = new Map<ModelName, ServiceModel>();

/** The committed model of a service (test/sim/models/<name>.json). */
export function serviceModel(name: ModelName): ServiceModel {
  let m = cache.get(name);
  if (!m) {
    m = JSON.parse(fs.readFileSync(path.join(__dirname, `${name}.json`), 'utf8')) as ServiceModel;
    cache.set(name, m);
  }
  return m;
}
