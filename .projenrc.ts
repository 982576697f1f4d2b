import { awscdk, javascript, JsonFile } from 'projen';

/**
 * Minimum aws-cdk-lib: 2.268.0 is the first release with `aws_cloudhsm.CfnCluster`
 * (used by `HsmCluster.fromCfnCluster`) and `aws_cloudhsm.CloudHSMMetrics`. Tests run against
 * exactly this version, so nothing newer is used by accident.
 */
const CDK_MIN_VERSION = '2.268.0';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-cloudhsm',
  description: 'AWS CDK constructs for AWS CloudHSM v2: clusters, HSMs and cross-region backup copies, deployed by cdk deploy.',
  author: 'cdk-cloudhsm contributors',
  authorAddress: 'cdk-cloudhsm@users.noreply.github.com',
  repositoryUrl: 'https://github.com/cdk-cloudhsm/cdk-cloudhsm.git',
  keywords: ['cdk', 'aws-cdk', 'cloudhsm', 'hsm', 'kms', 'awscdk'],
  cdkVersion: CDK_MIN_VERSION,
  constructsVersion: '10.5.0',
  defaultReleaseBranch: 'main',
  jsiiVersion: '~6.0.0',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  // No GitHub workflows: CI is `.ci/run` on a clean clone.
  github: false,
  release: false,
  buildWorkflow: false,
  depsUpgrade: false,
  pullRequestTemplate: false,

  publishToPypi: {
    distName: 'cdk-cloudhsm',
    module: 'cdk_cloudhsm',
  },
  publishToMaven: {
    javaPackage: 'io.github.cdkcloudhsm',
    mavenGroupId: 'io.github.cdkcloudhsm',
    mavenArtifactId: 'cdk-cloudhsm',
  },

  devDeps: [
    // The newest release of the client the registry offers here; the Lambda runtime brings its own.
    '@aws-sdk/client-cloudhsm-v2@3.332.0',
    '@aws-sdk/client-acm-pca@3.332.0',
    // The simulator's SSM Run Command and Secrets Manager are tested with the real clients.
    '@aws-sdk/client-ssm@3.1169.0',
    '@aws-sdk/client-secrets-manager@3.1164.0',
    'aws-sdk-client-mock@2.2.0',
    'esbuild@0.28.2',
    // AwsSolutions checks on the examples (test/nag.test.ts). 2.37.55 is the newest that accepts constructs 10.5.0.
    'cdk-nag@2.37.55',
  ],

  jestOptions: {
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      // Handler tests poll a simulator on a virtual clock; keep the default timeout generous for 2-core CI.
      testTimeout: 60_000,
      coveragePathIgnorePatterns: ['/node_modules/', '/assets/', '/test/'],
      // The moto contract suite's Python venv (thousands of files) is no part of the module map.
      modulePathIgnorePatterns: ['<rootDir>/.sim-venv/'],
    },
    // A machine-readable result for .ci/run's closing `N passed, N failed` line.
    extraCliOptions: ['--json', '--outputFile=test-reports/jest-results.json'],
  },
  gitignore: ['/.sim-venv/', '/cdk.out/', '**/cdk.out/', '/examples/python/.venv/', '/examples/java/target/', '/build/'],
  // Handler sources, tests and examples stay out of the tarball; the bundled handler in assets/ ships.
});
// The tarball is an allow-list: compiled library, jsii assembly, the prebuilt handler and docs.
// Handler sources, tests, examples and local tool folders never ship.
project.package.addField('files', ['lib/**/*.js', 'lib/**/*.d.ts', '.jsii', 'assets/**', 'API.md']);

// lambda/ is plain TypeScript (not jsii): type-checked by its own tsconfig, linted, bundled by esbuild.
new JsonFile(project, 'lambda/tsconfig.json', {
  obj: {
    extends: '../tsconfig.json',
    compilerOptions: { rootDir: '..', noEmit: true, types: ['node'] },
    include: ['**/*.ts'],
  },
});
project.eslint?.addLintPattern('lambda');
// The handler imports the AWS SDK that the Lambda runtime provides; here it is a dev dependency.
project.eslint?.addOverride({
  files: ['lambda/**/*.ts'],
  rules: { 'import/no-extraneous-dependencies': ['error', { devDependencies: true, optionalDependencies: false, peerDependencies: true }] },
});

const bundle = project.addTask('bundle', {
  description: 'Bundle the custom-resource handler (lambda/) into assets/handler with esbuild',
  steps: [
    { exec: 'tsc --noEmit -p lambda/tsconfig.json' },
    {
      exec: [
        'esbuild lambda/index.ts --bundle --platform=node --target=node24 --format=cjs',
        '--external:@aws-sdk/* --legal-comments=none --minify-syntax --minify-whitespace',
        '--outfile=assets/handler/index.js --log-level=warning',
      ].join(' '),
    },
    // The admin host's scripts ship as they are: HsmAdminHost's user data is assets/host/setup.sh, and the
    // handler reads the activation script it sends from its own directory.
    { exec: 'rm -rf assets/host && mkdir -p assets/host && cp lambda/host/*.sh assets/host/ && cp lambda/host/activate.sh assets/handler/' },
  ],
});
project.preCompileTask.spawn(bundle);

// The examples are type-checked as part of the tests, so they cannot rot.
new JsonFile(project, 'examples/tsconfig.json', {
  obj: {
    extends: '../tsconfig.json',
    compilerOptions: { rootDir: '..', noEmit: true },
    include: ['**/*.ts'],
    exclude: ['**/cdk.out/**', 'node_modules'],
  },
});

// Tests, examples and handler sources are type-checked too (ts-jest transpiles without checking).
const typecheck = project.addTask('typecheck', {
  description: 'Type-check tests, examples and the handler',
  steps: [
    { exec: 'tsc --noEmit -p test/tsconfig.json' },
    { exec: 'tsc --noEmit -p examples/tsconfig.json' },
  ],
});
project.testTask.prependSpawn(typecheck);

// --- Python and Java: the jsii packages, proven by the example apps in examples/python and examples/java.
// `package` builds all languages only when CI is unset (with CI=true only package:js), so the language
// tests build the wheel / jar themselves when it is missing or older than the jsii assembly.
const needsPackage = (dir: string) => `node build-tools/needs-package.js ${dir}`;

// Maven for jsii-pacmak and the Java example share one repository in build/m2, seeded first (see the script).
const mavenSeed = project.addTask('maven:seed', {
  description: 'Make the pinned aws-cdk-lib resolvable in build/m2 for the Java build',
  exec: 'bash build-tools/maven-seed.sh',
});
const packageJava = project.tasks.tryFind('package:java')!;
packageJava.reset();
packageJava.spawn(mavenSeed);
packageJava.exec('jsii-pacmak -v --target java --maven-local-repository=build/m2');

const venv = 'examples/python/.venv';
const testPython = project.addTask('test:python', {
  description: 'Build the wheel if needed, install it in a venv with examples/python/requirements.txt, run pytest',
});
testPython.spawn(project.tasks.tryFind('package:python')!, { condition: needsPackage('dist/python') });
// Re-running venv on an existing one keeps its packages.
testPython.exec(`python3 -m venv ${venv}`);
testPython.exec(`${venv}/bin/python -m pip install --quiet -r examples/python/requirements.txt`);
// The wheel's version stays 0.0.0 between builds: force the reinstall; its dependencies are pinned above.
testPython.exec(`${venv}/bin/python -m pip install --quiet --force-reinstall --no-deps dist/python/*.whl`);
testPython.exec(`${venv}/bin/python -m pip check`);
testPython.exec('CDK_CLOUDHSM_TEMPLATE_OUT=../../test-reports/templates/python.json .venv/bin/python -m pytest -q --junitxml=../../test-reports/junit/python.xml',
  { cwd: 'examples/python' });

const testJava = project.addTask('test:java', {
  description: 'Build the jar if needed, run the JUnit tests of examples/java with Maven',
});
testJava.spawn(packageJava, { condition: needsPackage('dist/java') });
// Maven keeps a copy of a resolved release forever: drop it so the jar just built is the one used.
testJava.exec('rm -rf build/m2/io/github/cdkcloudhsm');
// Surefire runs the tests in examples/java: hand it absolute paths.
testJava.exec('CDK_CLOUDHSM_TEMPLATE_OUT="$(pwd)/test-reports/templates/java.json" mvn -B -q -f examples/java/pom.xml -Dmaven.repo.local="$(pwd)/build/m2" -DreportsDir="$(pwd)/test-reports/junit" test');

const testParity = project.addTask('test:parity', {
  description: 'Compare the CloudHSM resources of the TypeScript, Python and Java example templates',
  exec: 'ts-node --transpile-only test/parity/main.ts',
});

const testLangs = project.addTask('test:langs', {
  description: 'Python and Java: build the wheel and jar, test the example apps, check three-language parity',
});
// Templates of an earlier run must not stand in for this one's.
testLangs.exec('rm -rf test-reports/templates');
testLangs.spawn(testPython);
testLangs.spawn(testJava);
testLangs.spawn(testParity);
// `build` is locked by projen (no extra phases); `package` is its last phase, so the language tests
// run at its end, after the packages are built.
project.packageTask.spawn(testLangs);

// API references as Python and Java users read them (keyword arguments, builders), beside API.md.
const docgenLangs = project.addTask('docgen:langs', {
  description: 'Generate docs/API.python.md and docs/API.java.md with jsii-docgen',
});
docgenLangs.exec('jsii-docgen -l python -o docs/API.python.md');
docgenLangs.exec('jsii-docgen -l java -o docs/API.java.md');
project.postCompileTask.spawn(docgenLangs);

project.addTask('demo', {
  description: 'Deploy, update and destroy examples/basic against the local CloudHSM simulator (no AWS account)',
  // `npm run demo -- --retain` keeps the library's default removal policy for the cluster.
  receiveArgs: true,
  exec: 'ts-node --transpile-only test/demo/main.ts',
});
project.addTask('fault-suite', {
  description: 'Seeded randomized lifecycles with injected faults (default 500; -- --count N --seed S to replay)',
  receiveArgs: true,
  exec: 'ts-node --transpile-only test/fault/main.ts',
});

project.addTask('bench', {
  description: 'Benchmarks on the simulator and synth: writes docs/benchmarks.md and docs/benchmarks.json',
  exec: 'ts-node --transpile-only test/bench/main.ts',
});

project.synth();
