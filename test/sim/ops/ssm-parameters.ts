// SSM Parameter Store operations (target prefix AmazonSSM.): GetParameter, what a host reads a
// parameter of the stack with (an application host's trust anchor). Input shapes are the SSM
// model's (test/sim/models/ssm.json: Name required, 1..2048). Rules of the GetParameter reference:
// - Name is the parameter's name or its ARN (arn:<partition>:ssm:<region>:<account>:parameter/<name
//   without its leading slash>), optionally with a selector `:<version>`; spaces at either end are
//   removed, a space between characters is ValidationException.
// - No such parameter: ParameterNotFound ("The parameter couldn't be found. Verify the name and try
//   again."), which is also the answer to an ARN of another region here; a version it does not have:
//   ParameterVersionNotFound. Labels are not modelled: a label selector is ParameterVersionNotFound here.
// - WithDecryption is ignored for String and StringList parameters (the only types here).

import { SimError } from '../errors';
import { ParameterStore } from '../parameters';
import { JsonObject } from '../types';

export interface ParameterContext {
  readonly parameters: ParameterStore;
  readonly accountId: string;
}

export type ParameterHandler = (ctx: ParameterContext, region: string, input: JsonObject) => JsonObject;

const NOT_FOUND = 'The parameter couldn\'t be found. Verify the name and try again.';
const ARN = /^arn:aws[\w-]*:ssm:([a-z0-9-]+):(\d{12}):parameter(\/.*)$/;

/** The name a request means, and its version selector if any. */
function nameOf(region: string, raw: string): { name: string; selector?: string } {
  const trimmed = raw.trim();
  if (/\s/.test(trimmed)) throw new SimError('ValidationException', 'Parameter name: can\'t be prefixed with "ssm" (case-insensitive) or contain spaces.');
  const arn = ARN.exec(trimmed);
  let name = trimmed;
  if (arn) {
    if (arn[1] !== region) throw new SimError('ParameterNotFound', NOT_FOUND);
    // the ARN of `/a/b` is parameter/a/b, that of `a` is parameter/a
    name = arn[3];
  }
  const at = name.lastIndexOf(':');
  const selector = at > 0 ? name.slice(at + 1) : undefined;
  if (selector !== undefined) name = name.slice(0, at);
  return { name, selector };
}

export const getParameter: ParameterHandler = (ctx, region, input) => {
  const { name, selector } = nameOf(region, input.Name as string);
  const record = ctx.parameters.get(region, name) ?? (name.startsWith('/') ? ctx.parameters.get(region, name.slice(1)) : undefined);
  if (!record) throw new SimError('ParameterNotFound', NOT_FOUND);
  if (selector !== undefined && selector !== String(record.version)) {
    throw new SimError('ParameterVersionNotFound', 'The specified parameter version wasn\'t found. Verify the parameter name and version, and try again.');
  }
  return {
    Parameter: {
      Name: record.name,
      Type: record.type,
      Value: record.value,
      Version: record.version,
      ...(selector !== undefined ? { Selector: `:${selector}` } : {}),
      LastModifiedDate: record.lastModifiedMs / 1000,
      ARN: `arn:aws:ssm:${region}:${ctx.accountId}:parameter/${record.name.replace(/^\//, '')}`,
      DataType: 'text',
    },
  };
};

export const PARAMETER_HANDLERS: Record<string, ParameterHandler> = {
  GetParameter: getParameter,
};
