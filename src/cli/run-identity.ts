/**
 * Who really started a run. An unattended run's operator is the approval's policy; beside it the
 * audit log records the OS account of the process and the service it ran under (a scheduler, a CI
 * job), so "approved by alice" never hides "started by svc-batch from Jenkins job 4711".
 */
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';

/** The OS account of this process (not $AGMEDIC_OPERATOR, which is a display name anyone can set). */
export function osAccount(env: Readonly<Record<string, string | undefined>> = process.env): string {
  try {
    const u = userInfo();
    return process.platform === 'win32' ? `${env.USERDOMAIN ? `${env.USERDOMAIN}\\` : ''}${u.username}` : `${u.username} (uid ${u.uid})`;
  } catch {
    return env.USER ?? env.USERNAME ?? 'unknown';
  }
}

/**
 * The service identity the process runs under, when one can be told: `$AGMEDIC_SERVICE` (set it in
 * the scheduler's job), a systemd unit, a CI job (GitHub Actions, Azure Pipelines, Jenkins, GitLab),
 * or a Kubernetes pod.
 *
 * @example
 * serviceIdentity({ GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'contoso/ops', GITHUB_WORKFLOW: 'nightly', GITHUB_RUN_ID: '42' })
 * // 'github-actions contoso/ops nightly run 42'
 */
export function serviceIdentity(env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  if (env.AGMEDIC_SERVICE) return env.AGMEDIC_SERVICE;
  if (env.GITHUB_ACTIONS === 'true') return `github-actions ${env.GITHUB_REPOSITORY ?? ''} ${env.GITHUB_WORKFLOW ?? ''} run ${env.GITHUB_RUN_ID ?? '?'}`.replace(/\s+/g, ' ');
  if (env.TF_BUILD) return `azure-pipelines ${env.BUILD_DEFINITIONNAME ?? ''} build ${env.BUILD_BUILDID ?? '?'}`.replace(/\s+/g, ' ');
  if (env.JENKINS_URL) return `jenkins ${env.BUILD_TAG ?? env.JOB_NAME ?? ''}`.trim();
  if (env.GITLAB_CI) return `gitlab-ci ${env.CI_PROJECT_PATH ?? ''} job ${env.CI_JOB_ID ?? '?'}`.replace(/\s+/g, ' ');
  if (env.INVOCATION_ID && process.platform === 'linux') {
    try {
      const unit = /([\w@.-]+\.service)/.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1];
      if (unit) return `systemd ${unit}`;
    } catch {
      // not readable: fall through
    }
  }
  if (env.KUBERNETES_SERVICE_HOST && env.HOSTNAME) return `kubernetes pod ${env.HOSTNAME}`;
  return undefined;
}
