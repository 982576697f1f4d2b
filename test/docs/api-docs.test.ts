// The generated per-language API references read as Python and Java users write the code.
import { readFileSync } from 'fs';
import * as path from 'path';

const doc = (name: string) => readFileSync(path.join(__dirname, '..', '..', 'docs', name), 'utf8');

test('docs/API.python.md shows keyword arguments in snake_case under the cdk_cloudhsm module', () => {
  const py = doc('API.python.md');
  expect(py).toContain('cdk_cloudhsm.HsmCluster(');
  expect(py).toMatch(/backup_retention: Duration = None/);
  expect(py).toMatch(/def add_hsm\(/);
  expect(py).not.toMatch(/backupRetention: Duration = None/);
});

test('docs/API.java.md shows builders under io.github.cdkcloudhsm', () => {
  const java = doc('API.java.md');
  expect(java).toContain('import io.github.cdkcloudhsm.HsmCluster;');
  expect(java).toContain('HsmCluster.Builder.create(Construct scope, java.lang.String id)');
  expect(java).toMatch(/\.backupRetention\(Duration\)/);
});

test('docs/API.go.md shows the Go names of the cdkcloudhsm package, constants as functions', () => {
  const go = doc('API.go.md');
  expect(go).toContain('import "github.com/cdk-cloudhsm/cdk-cloudhsm-go/cdkcloudhsm"');
  expect(go).toContain('cdkcloudhsm.NewHsmCluster(scope Construct, id *string, props HsmClusterProps) HsmCluster');
  expect(go).toContain('func HsmType_HSM2M_MEDIUM() HsmType');
  expect(go).not.toMatch(/func Hsm2mMedium\(/);
});
