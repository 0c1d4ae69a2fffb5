// A registry answer that is neither the object nor a clean "not there": an error carrying the cause code the
// status means, so `verify` can exit 2 ("could not tell") instead of reporting a verdict it does not have.
import { RegdoctorError } from '../cause/index.ts';
import { describeStatus, parseErrorBody, statusCause } from '../registry/errors.ts';
import { header, type HttpResponse } from '../transport/http.ts';

export function registryFailure(res: HttpResponse, what: string, step: 'manifest' | 'blob'): RegdoctorError {
  const info = parseErrorBody(res.body, header(res.headers, 'content-type'));
  return new RegdoctorError(
    statusCause(res.status, info.codes),
    `${what}: ${describeStatus(res.status, info)}`,
    {
      step,
      status: res.status,
      codes: info.codes,
    },
  );
}

/** 404, or a distribution error body that says the manifest is unknown (some registries answer 400 or 200-less). */
export function isMissing(res: HttpResponse): boolean {
  if (res.status === 404) return true;
  return parseErrorBody(res.body, header(res.headers, 'content-type')).codes.includes('MANIFEST_UNKNOWN');
}
