// SSM Parameter Store's state: the parameters CloudFormation's AWS::SSM::Parameter makes (the
// harness puts and deletes them as native resources), read by hosts with GetParameter. Such a
// parameter is a String or a StringList (CloudFormation makes no SecureString). A value change is
// a new version; older versions are not kept (nothing here reads one).

/** One parameter: name, type, value, version, and when it last changed (virtual ms). */
export interface ParameterRecord {
  readonly region: string;
  readonly name: string;
  readonly type: 'String' | 'StringList';
  readonly value: string;
  readonly version: number;
  readonly lastModifiedMs: number;
}

/** The parameters of every region, by region and name. */
export class ParameterStore {
  private readonly byKey = new Map<string, ParameterRecord>();

  /** PutParameter with Overwrite: a new parameter is version 1, a changed value the next version. */
  public put(region: string, name: string, value: string, type: ParameterRecord['type'], nowMs: number): ParameterRecord {
    const old = this.byKey.get(`${region}/${name}`);
    if (old && old.value === value && old.type === type) return old;
    const record: ParameterRecord = { region, name, type, value, version: (old?.version ?? 0) + 1, lastModifiedMs: nowMs };
    this.byKey.set(`${region}/${name}`, record);
    return record;
  }

  public get(region: string, name: string): ParameterRecord | undefined {
    return this.byKey.get(`${region}/${name}`);
  }

  /** DeleteParameter: false when there was none. */
  public delete(region: string, name: string): boolean {
    return this.byKey.delete(`${region}/${name}`);
  }

  public all(): ParameterRecord[] {
    return [...this.byKey.values()];
  }

  public clear(): void {
    this.byKey.clear();
  }
}
