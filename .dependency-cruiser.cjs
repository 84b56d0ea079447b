/**
 * The import direction of design.md's layout, enforced in `npm test`:
 *   errors ← runbook ← compile ← runtime ← cli; ports are interfaces; adapters/audit implement
 *   ports and are wired only in cli; lab imports nothing from runtime/compile; nothing imports cli.
 */
const stage = (name) => `^src/${name}/`;
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    { name: 'nothing-imports-cli', severity: 'error', from: { pathNot: stage('cli') }, to: { path: stage('cli') } },
    {
      name: 'errors-is-a-leaf',
      severity: 'error',
      from: { path: '^src/errors\\.ts$' },
      to: { path: '^src/', pathNot: '^src/errors\\.ts$' },
    },
    {
      name: 'runbook-imports-only-errors',
      severity: 'error',
      from: { path: stage('runbook') },
      to: { path: '^src/', pathNot: ['^src/errors\\.ts$', stage('runbook')] },
    },
    {
      name: 'compile-is-pure',
      comment: 'compile/ depends only on errors and runbook, and does no I/O',
      severity: 'error',
      from: { path: stage('compile') },
      to: { path: ['^src/', '^(node:)?(fs|net|http|https|child_process|tls)$'], pathNot: ['^src/errors\\.ts$', stage('runbook'), stage('compile')] },
    },
    {
      name: 'ports-are-interfaces',
      severity: 'error',
      from: { path: stage('ports') },
      to: { path: '^src/', pathNot: ['^src/errors\\.ts$', stage('runbook'), stage('compile'), stage('ports')] },
    },
    {
      name: 'runtime-uses-ports-not-adapters',
      severity: 'error',
      from: { path: stage('runtime') },
      to: { path: [stage('adapters'), stage('audit'), stage('lab'), stage('diagnose')] },
    },
    {
      name: 'audit-stands-alone',
      severity: 'error',
      from: { path: stage('audit') },
      to: { path: [stage('runtime'), stage('adapters'), stage('lab'), stage('diagnose'), stage('compile')] },
    },
    {
      name: 'adapters-implement-ports',
      severity: 'error',
      from: { path: stage('adapters') },
      to: { path: [stage('runtime'), stage('lab'), stage('diagnose')] },
    },
    {
      name: 'diagnose-above-runtime',
      severity: 'error',
      from: { path: stage('diagnose') },
      to: { path: [stage('adapters'), stage('lab')] },
    },
    {
      name: 'lab-is-independent',
      comment: 'tests against the lab must stay honest: it shares no code with what it tests',
      severity: 'error',
      from: { path: stage('lab') },
      to: { path: '^src/', pathNot: ['^src/errors\\.ts$', stage('lab')] },
    },
    {
      name: 'only-adapters-import-drivers',
      severity: 'error',
      from: { path: '^src/', pathNot: [stage('adapters'), stage('lab')] },
      to: { path: 'node_modules/(mssql|tedious|@azure|inquirer|@inquirer)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
