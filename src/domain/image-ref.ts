/**
 * Image references as Docker reads them: the grammar of
 * github.com/distribution/reference (regexp.go), so that a reference Docker
 * would refuse ("bad image ref", upper case, non-ASCII) is refused here, by
 * field, before anything waits on an image that can never be pulled.
 *
 *   reference := name [ ":" tag ] [ "@" digest ]
 *   name      := [domain [":" port] "/"] path-component ("/" path-component)*
 */

const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const ipv6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const domain = `(?:${domainComponent}(?:\\.${domainComponent})*|${ipv6})(?::[0-9]+)?`;
const name = `(?:${domain}/)?${pathComponent}(?:/${pathComponent})*`;
const tag = '[\\w][\\w.-]{0,127}';
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';

const REFERENCE = new RegExp(`^(${name})(?::(${tag}))?(?:@(${digest}))?$`);

/** distribution/reference's NameTotalLengthMax. */
export const MAX_IMAGE_NAME = 255;
/** Name, a 128-character tag and a long digest fit; the regex never sees more. */
export const MAX_IMAGE_REF = 512;

export const IMAGE_REF_RULE =
  'expected an image reference such as "registry:5000/team/app:1.0" ' +
  '(lower-case ASCII path, optional :tag of [A-Za-z0-9_.-], optional @sha256:digest)';

/** Why `ref` is not an image reference Docker accepts, or undefined when it is one. */
export function imageRefProblem(ref: string): string | undefined {
  if (ref.length === 0 || ref.length > MAX_IMAGE_REF) return IMAGE_REF_RULE;
  const m = REFERENCE.exec(ref);
  if (!m) return IMAGE_REF_RULE;
  if (m[1]!.length > MAX_IMAGE_NAME) return `expected an image name of at most ${MAX_IMAGE_NAME} characters`;
  return undefined;
}

export const isImageRef = (ref: string): boolean => imageRefProblem(ref) === undefined;
