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
  keywords: ['cdk', 'aws-cdk', 'awscdk', 'cloudhsm', 'hsm', 'kms', 'custom-key-store', 'backup', 'disaster-recovery'],
  // 0.x: the API may still change between minor releases (Construct Hub shows the badge).
  stability: 'experimental',
  cdkVersion: CDK_MIN_VERSION,
  constructsVersion: '10.5.0',
  defaultReleaseBranch: 'main',
  jsiiVersion: '~6.0.0',
  packageManager: javascript.NodePackageManager.NPM,
  // Node.js for synth and the tests: what aws-cdk-lib supports (>= 20). The handler itself runs on
  // Lambda's Node.js 24 or newer (src/private/runtime.ts), whatever the user's Node.js is.
  minNodeVersion: '20.0.0',
  // The GitHub workflows keep building on the current LTS, not on the minimum.
  workflowNodeVersion: 'lts/*',
  projenrcTs: true,
  // CI is `.ci/run` on a clean clone. The GitHub workflows (build on pull requests, release on
  // main) are for a maintainer who hosts the repository on GitHub; actionlint checks them here.
  github: true,
  buildWorkflow: true,
  // Semantic versions from conventional commits; dist/changelog.md is the release's entry.
  release: true,
  releaseToNpm: true,
  // A weekly pull request with the newest dependencies: its build runs the newest-versions leg
  // (test:compat) too, so a release that breaks users shows up as a failing pull request.
  depsUpgrade: true,
  depsUpgradeOptions: {
    workflowOptions: { schedule: javascript.UpgradeDependenciesSchedule.WEEKLY },
  },
  pullRequestTemplate: false,
  githubOptions: { pullRequestLint: true, mergify: false },
  // The bump tool runs through npx: pinned here, so a release resolves the installed copy.
  bumpPackage: 'commit-and-tag-version@13.2.1',
  // publib publishes to npm, PyPI, Maven Central and the Go repository in the release workflow.
  jsiiReleaseVersion: '0.2.1061',

  publishToPypi: {
    distName: 'cdk-cloudhsm',
    module: 'cdk_cloudhsm',
  },
  publishToMaven: {
    javaPackage: 'io.github.cdkcloudhsm',
    mavenGroupId: 'io.github.cdkcloudhsm',
    mavenArtifactId: 'cdk-cloudhsm',
  },
  // Module github.com/cdk-cloudhsm/cdk-cloudhsm-go/cdkcloudhsm, package cdkcloudhsm.
  publishToGo: {
    moduleName: 'github.com/cdk-cloudhsm/cdk-cloudhsm-go',
    packageName: 'cdkcloudhsm',
  },

  devDeps: [
    // The newest release of the client the registry offers here, bundled into the handler (the SDK it is tested with).
    '@aws-sdk/client-cloudhsm-v2@3.332.0',
    '@aws-sdk/client-acm-pca@3.332.0',
    // The simulator's SSM Run Command and Secrets Manager are tested with the real clients.
    '@aws-sdk/client-ssm@3.1169.0',
    '@aws-sdk/client-secrets-manager@3.1164.0',
    // KMS custom key stores and keys in them (handler and simulator).
    '@aws-sdk/client-kms@3.1161.0',
    // EC2 answers which Availability Zones a subnet is in and where CloudHSM is offered (the early AZ check).
    '@aws-sdk/client-ec2@3.1161.0',
    // aws-cdk-lib's Provider framework runtime requires them; the deploy harness runs that runtime (test/harness/framework.ts).
    '@aws-sdk/client-lambda@3.1161.0',
    '@aws-sdk/client-sfn@3.1161.0',
    'aws-sdk-client-mock@2.2.0',
    // Types of the Node.js the tests run on, not those of minNodeVersion (which projen would pick).
    '@types/node@26.6.6',
    'esbuild@0.28.2',
    // AwsSolutions checks on the examples (test/constructs/nag.test.ts). 2.37.55 is the newest that accepts constructs 10.5.0.
    'cdk-nag@2.37.55',
    // cdk-nag 3 beside 2 (test/constructs/nag.test.ts runs both); its import name is cdk-nag-3.
    'cdk-nag-3@npm:cdk-nag@3.0.2',
    // The CDK CLI, both majors, synthesizing the examples without credentials (test/cli/synth.test.ts).
    'aws-cdk@2.1148.1',
    'aws-cdk-3@npm:aws-cdk@3.0.0',
    // Integration tests (test/integ): snapshots compared in CI, deployed by a maintainer with an account.
    // 2.245.0-alpha.0 is the newest integ-tests-alpha the registry serves here; it accepts aws-cdk-lib ^2.245.0.
    '@aws-cdk/integ-runner@2.197.10',
    '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0',
  ],

  jestOptions: {
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      // Handler tests poll a simulator on a virtual clock; keep the default timeout generous for 2-core CI.
      // Harness tests run real host scripts in a sandbox: on a loaded 2-core machine one lifecycle can pass 60 s.
      testTimeout: 180_000,
      // jest's default on 2 cores is one worker; many tests wait on child processes (host scripts,
      // the CDK CLI, pip) and virtual-time polling, so two workers finish sooner (docs/testing.md,
      // "CI time budget"). Tests share no fixed paths or ports; the venv install takes a lock.
      maxWorkers: 2,
      // No coverage in the build: V8 coverage cost 13 % more CPU on the construct tests and nothing
      // reads the report (docs/testing.md, "CI time budget"); `npx jest --coverage` still makes one.
      collectCoverage: false,
      coveragePathIgnorePatterns: ['/node_modules/', '/assets/', '/test/'],
      // The moto contract suite's Python venv (thousands of files) is no part of the module map.
      modulePathIgnorePatterns: ['<rootDir>/.sim-venv/'],
    },
    // A machine-readable result for .ci/run's closing `N passed, N failed` line.
    extraCliOptions: ['--json', '--outputFile=test-reports/jest-results.json'],
  },
  gitignore: ['/.sim-venv/', '/.sim-venv.lock/', '/cdk.out/', '**/cdk.out/', '/examples/python/.venv/', '/examples/python/.nag3/', '/examples/java/target/', '/build/'],
  // Handler sources, tests and examples stay out of the tarball; the bundled handler in assets/ ships.
});
// The tarball is an allow-list: compiled library, jsii assembly, the prebuilt handler and docs.
// Handler sources, tests, examples and local tool folders never ship.
project.package.addField('files', ['lib/**/*.js', 'lib/**/*.d.ts', '.jsii', 'assets/**', 'API.md']);

// cdk-nag 3 asks for constructs ^10.5.1 as a peer; the tests run it on the library's minimum
// (constructs 10.5.0), which apps on cdk-nag 3 have already moved past (README: cdk-nag).
project.package.addField('overrides', { 'cdk-nag-3': { constructs: '$constructs' } });

// lambda/ is plain TypeScript (not jsii): type-checked by its own tsconfig, linted, bundled by esbuild.
new JsonFile(project, 'lambda/tsconfig.json', {
  obj: {
    extends: '../tsconfig.json',
    compilerOptions: { rootDir: '..', noEmit: true, types: ['node'] },
    include: ['**/*.ts'],
  },
});
project.eslint?.addLintPattern('lambda');
// The handler's AWS SDK clients are bundled into assets/handler at build time; here they are dev dependencies.
project.eslint?.addOverride({
  files: ['lambda/**/*.ts'],
  rules: { 'import/no-extraneous-dependencies': ['error', { devDependencies: true, optionalDependencies: false, peerDependencies: true }] },
});

const bundle = project.addTask('bundle', {
  description: 'Bundle the custom-resource handler (lambda/) into assets/handler with esbuild',
  steps: [
    { exec: 'tsc --noEmit -p lambda/tsconfig.json' },
    {
      // The AWS SDK clients the tests run with are bundled in, so the Lambda runs the SDK it was
      // tested with, not whatever the runtime ships (docs/benchmarks.md section 4, docs/security.md).
      // Full minification keeps the asset small; --keep-names keeps function names readable in stack
      // traces (error messages are strings and are not touched).
      exec: [
        'esbuild lambda/index.ts --bundle --platform=node --target=node24 --format=cjs',
        '--legal-comments=none --minify --keep-names',
        '--outfile=assets/handler/index.js --log-level=warning',
      ].join(' '),
    },
    // The admin host's scripts ship as they are. Its user data, setup.sh, is read at synth time from
    // assets/host; every other script is one the handler sends through Run Command, read from the
    // handler's own directory, so it ships only there.
    {
      exec: [
        'rm -rf assets/host && mkdir -p assets/host && cp lambda/host/setup.sh assets/host/ &&',
        "find assets/handler -maxdepth 1 -name '*.sh' -delete &&",
        "find lambda/host -maxdepth 1 -name '*.sh' -not -name setup.sh -exec cp -t assets/handler {} +",
      ].join(' '),
    },
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

// The build scripts in TypeScript (run with ts-node): type-checked and linted like the tests.
new JsonFile(project, 'build-tools/tsconfig.json', {
  obj: {
    extends: '../tsconfig.json',
    compilerOptions: { rootDir: '..', noEmit: true },
    include: ['**/*.ts'],
  },
});

// Tests, examples and build scripts type-checked as one program: the tests import every example app,
// so three programs checked most of the examples twice (docs/testing.md, "CI time budget"). Checked
// with isolatedModules, as ts-jest transpiles the tests file by file. The folders' own tsconfig.json
// files stay for editors and ts-node.
new JsonFile(project, 'tsconfig.typecheck.json', {
  obj: {
    extends: './tsconfig.json',
    compilerOptions: { rootDir: '.', noEmit: true, isolatedModules: true },
    include: ['test/**/*.ts', 'examples/**/*.ts', 'build-tools/**/*.ts'],
    exclude: ['**/cdk.out/**', 'node_modules'],
  },
});

// Tests, examples and handler sources are type-checked too (ts-jest transpiles without checking).
const typecheck = project.addTask('typecheck', {
  description: 'Type-check tests, examples and build scripts',
  steps: [
    { exec: 'tsc --noEmit -p tsconfig.typecheck.json' },
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
// cdk-nag 3.x cannot share the venv with 2.x: it goes to its own folder, first on PYTHONPATH for nag3_check.py.
testPython.exec(`${venv}/bin/python -m pip install --quiet --no-deps --upgrade --target examples/python/.nag3 -r examples/python/requirements-nag3.txt`);
testPython.exec('PYTHONPATH=.nag3 .venv/bin/python -m pytest -q nag3_check.py --junitxml=../../test-reports/junit/python-nag3.xml',
  { cwd: 'examples/python' });

const testJava = project.addTask('test:java', {
  description: 'Build the jar if needed, run the JUnit tests of examples/java with Maven',
});
testJava.spawn(packageJava, { condition: needsPackage('dist/java') });
// Maven keeps a copy of a resolved release forever: drop it so the jar just built is the one used.
testJava.exec('rm -rf build/m2/io/github/cdkcloudhsm');
// Surefire runs the tests in examples/java: hand it absolute paths.
// The jar carries package.json's version: 0.0.0, or the bumped one during `npx projen release`.
testJava.exec('CDK_CLOUDHSM_TEMPLATE_OUT="$(pwd)/test-reports/templates/java.json" mvn -B -q -f examples/java/pom.xml -Dmaven.repo.local="$(pwd)/build/m2" -DreportsDir="$(pwd)/test-reports/junit" -Dcdk-cloudhsm.version="$(node -p "require(\'./package.json\').version")" test');

// Go: jsii-pacmak writes the module's source to dist/go (--code-only: pacmak's own `go mod tidy`
// would ask the Go module proxy for every release aws-cdk-lib's npm package names, and the proxy
// reachable here lacks some); the Go example compiles and tests it against the pinned aws-cdk-go.
const packageGo = project.tasks.tryFind('package:go')!;
packageGo.reset('jsii-pacmak -v --target go --code-only');
const testGo = project.addTask('test:go', {
  description: 'Generate the Go module if needed, run the go test suite of examples/go against it',
});
testGo.spawn(packageGo, { condition: needsPackage('dist/go') });
// The Go examples of docs/API.go.md, as examples/go compiles and runs them, must be those of the reference.
testGo.exec('ts-node --transpile-only build-tools/go-api-examples.ts --check docs/API.go.md examples/go/apidoc_examples_test.go');
// Modules and build cache in build/go: a clean clone compiles aws-cdk-go once (minutes on 2 cores).
testGo.exec('bash build-tools/go-test.sh');

const testParity = project.addTask('test:parity', {
  description: 'Compare the CloudHSM resources of the TypeScript, Python, Java and Go example templates',
  exec: 'ts-node --transpile-only test/parity/main.ts',
});

const testLangs = project.addTask('test:langs', {
  description: 'Python, Java and Go: build the packages, test the example apps, check four-language parity, synth them with the CDK CLI',
});
// Templates of an earlier run must not stand in for this one's.
testLangs.exec('rm -rf test-reports/templates');
testLangs.spawn(testPython);
testLangs.spawn(testJava);
testLangs.spawn(testGo);
testLangs.spawn(testParity);
// The Python, Java and Go apps through the real CDK CLI, without credentials (test/cli/synth.test.ts does the TypeScript ones).
const testCli = project.addTask('test:cli', {
  description: 'cdk synth of examples/python, examples/java and examples/go with the aws-cdk CLI and no AWS credentials',
});
testCli.exec('ts-node --transpile-only test/cli/main.ts python');
testCli.exec('ts-node --transpile-only test/cli/main.ts java');
testCli.exec('ts-node --transpile-only test/cli/main.ts go');
testLangs.spawn(testCli);
// `build` is locked by projen (no extra phases); `package` is its last phase, so the language tests
// run at its end, after the packages are built.
project.packageTask.spawn(testLangs);

// API references as Python and Java users read them (keyword arguments, builders), beside API.md.
const docgenLangs = project.addTask('docgen:langs', {
  description: 'Generate docs/API.python.md, docs/API.java.md and docs/API.go.md with jsii-docgen',
});
// The three renderings run side by side (the script says why).
docgenLangs.exec('bash build-tools/docgen-langs.sh');
// jsii-docgen shows constants by their TypeScript names (and as getters in Java) and abstract classes
// with a constructor: correct both from the assembly (checked against the wheel and jar by test:langs).
docgenLangs.exec('node build-tools/docgen-names.js python docs/API.python.md');
docgenLangs.exec('node build-tools/docgen-names.js java docs/API.java.md');
// jsii-docgen names Go constants and abstract-class constructors differently from the generated package.
docgenLangs.exec('ts-node --transpile-only build-tools/fix-go-api-doc.ts docs/API.go.md');
// Every Go example of the reference becomes a function examples/go compiles and runs (go test).
docgenLangs.exec('ts-node --transpile-only build-tools/go-api-examples.ts docs/API.go.md examples/go/apidoc_examples_test.go');
project.postCompileTask.spawn(docgenLangs);

// The generated GitHub workflows, checked with actionlint (pinned Go module, built into build/go).
const testWorkflows = project.addTask('test:workflows', {
  description: 'Check .github/workflows with actionlint',
  exec: 'bash build-tools/actionlint.sh',
});
project.testTask.spawn(testWorkflows);

// The newest-versions leg: the packed library in a `cdk init` app with the newest aws-cdk-lib,
// constructs, cdk-nag 2.x and 3.x and aws-cdk CLI 2.x, in a temporary folder (test/compat/leg.ts).
const testCompat = project.addTask('test:compat', {
  description: 'The packed library in a fresh cdk init app with the newest aws-cdk-lib, cdk-nag and CLI (and the nag checks on the minimum aws-cdk-lib)',
  exec: 'ts-node --transpile-only test/compat/main.ts',
});
project.testTask.spawn(testCompat);

// Integration tests (test/integ/integ.*.ts): snapshots compared here, deployed by a maintainer (docs/testing.md).
const testInteg = project.addTask('test:integ', {
  description: 'Compare the integration tests\' templates with their committed snapshots (no AWS account)',
  exec: 'ts-node --transpile-only test/integ/snapshots.ts',
});
project.testTask.spawn(testInteg);
project.addTask('integ:snapshot', {
  description: 'Rewrite the integration-test snapshots after an intended template change',
  exec: 'ts-node --transpile-only test/integ/snapshots.ts --update',
});
project.addTask('integ:deploy', {
  description: 'Deploy the integration tests to the AWS account of your credentials, run their assertions, destroy them (costs money: docs/testing.md)',
  receiveArgs: true,
  exec: 'integ-runner --directory test/integ --language typescript --force --parallel-regions us-east-1',
});

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
