// AdmissionReview v1 requests shaped as the API server sends them, and an HTTPS client for the webhook.
import { request } from 'node:https';
import { randomUUID } from 'node:crypto';
import type { Fixture } from '../helpers/fixture.ts';
import type { TestPki } from '../helpers/pki.ts';
import { startWebhook, type Webhook, type WebhookOptions } from '../../src/webhook/index.ts';

export type Obj = Record<string, unknown>;

export interface Container {
  name: string;
  image: string;
  securityContext?: Obj;
}

const GVK: Record<string, { group: string; version: string; resource: string }> = {
  Pod: { group: '', version: 'v1', resource: 'pods' },
  Deployment: { group: 'apps', version: 'v1', resource: 'deployments' },
  StatefulSet: { group: 'apps', version: 'v1', resource: 'statefulsets' },
  DaemonSet: { group: 'apps', version: 'v1', resource: 'daemonsets' },
  ReplicaSet: { group: 'apps', version: 'v1', resource: 'replicasets' },
  Job: { group: 'batch', version: 'v1', resource: 'jobs' },
  CronJob: { group: 'batch', version: 'v1', resource: 'cronjobs' },
};
export const KINDS = Object.keys(GVK);

/** A workload of `kind` whose pod template runs `containers`. */
export function workload(kind: string, name: string, containers: Container[], extra: Obj = {}): Obj {
  const gvk = GVK[kind]!;
  const podSpec = { containers, restartPolicy: kind === 'Job' || kind === 'CronJob' ? 'Never' : 'Always' };
  const template = { metadata: { labels: { app: name } }, spec: podSpec };
  const spec =
    kind === 'Pod'
      ? podSpec
      : kind === 'CronJob'
        ? { schedule: '*/5 * * * *', jobTemplate: { spec: { template } } }
        : kind === 'Job'
          ? { template }
          : { selector: { matchLabels: { app: name } }, template };
  return {
    apiVersion: gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version,
    kind,
    metadata: { name, ...((extra.metadata as Obj | undefined) ?? {}) },
    spec,
  };
}

export interface ReviewSpec {
  kind?: string;
  operation?: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  namespace?: string;
  object?: Obj | null;
  oldObject?: Obj | null;
  uid?: string;
  subResource?: string;
  group?: string;
}

export function admissionReview(s: ReviewSpec): Obj {
  const kind = s.kind ?? (s.object?.kind as string | undefined) ?? 'Pod';
  const gvk = GVK[kind] ?? {
    group: s.group ?? 'example.com',
    version: 'v1',
    resource: `${kind.toLowerCase()}s`,
  };
  const name = ((s.object ?? s.oldObject)?.metadata as Obj | undefined)?.name;
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: s.uid ?? randomUUID(),
      kind: { group: s.group ?? gvk.group, version: gvk.version, kind },
      resource: { group: s.group ?? gvk.group, version: gvk.version, resource: gvk.resource },
      ...(s.subResource ? { subResource: s.subResource } : {}),
      requestKind: { group: s.group ?? gvk.group, version: gvk.version, kind },
      requestResource: { group: s.group ?? gvk.group, version: gvk.version, resource: gvk.resource },
      ...(typeof name === 'string' ? { name } : {}),
      namespace: s.namespace ?? 'shop',
      operation: s.operation ?? 'CREATE',
      userInfo: { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] },
      object: s.object === undefined ? null : s.object,
      oldObject: s.oldObject ?? null,
      dryRun: false,
      options: {
        apiVersion: 'meta.k8s.io/v1',
        kind: s.operation === 'UPDATE' ? 'UpdateOptions' : 'CreateOptions',
      },
    },
  };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- asserted field by field
  json: any;
}

/** One HTTPS request to the webhook, trusting `ca`. The body is sent as given (a string or JSON). */
export function call(
  url: string,
  ca: string,
  opts: { method?: string; path?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const raw =
    opts.body === undefined
      ? undefined
      : typeof opts.body === 'string' || Buffer.isBuffer(opts.body)
        ? opts.body
        : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${opts.path ?? '/validate'}`,
      {
        method: opts.method ?? 'POST',
        ca,
        agent: false,
        headers: {
          ...(raw !== undefined
            ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(raw)) }
            : {}),
          ...opts.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (raw !== undefined) req.write(raw);
    req.end();
  });
}

/** POSTs an AdmissionReview and returns its `response` (asserting the envelope is right). */
export async function admit(
  url: string,
  ca: string,
  spec: ReviewSpec,
): Promise<{ answer: Answer; uid: string }> {
  const review = admissionReview(spec);
  const answer = await call(url, ca, { body: review });
  return { answer, uid: (review.request as Obj).uid as string };
}

/** The webhook on 127.0.0.1 (a free port) with the fixture's valid certificate, stopped at the fixture's cleanup. */
export async function startTestWebhook(
  fx: Fixture,
  pki: TestPki,
  opts: Partial<WebhookOptions>,
): Promise<Webhook> {
  const hook = await startWebhook({
    host: '127.0.0.1',
    port: 0,
    tls: { certFile: pki.valid.certPath, keyFile: pki.valid.keyPath },
    ...opts,
  });
  fx.onCleanup(() => hook.close(0));
  return hook;
}
