/**
 * Text from the bytes of a body or a file, refused rather than altered: bytes that are not valid
 * in their encoding would otherwise become U+FFFD and change the data silently (a Latin-1 "café"
 * stored as "caf\uFFFD"). UTF-8 unless the caller passes a charset a CSV declares (`text/csv;
 * charset=windows-1252`, as spreadsheets export); JSON is always UTF-8.
 */
import { isUtf8 } from 'node:buffer';

export class EncodingError extends Error {}

export function decodeText(bytes: Buffer, charset?: string): string {
  const label = (charset ?? 'utf-8').trim().toLowerCase();
  if (label === 'utf-8' || label === 'utf8') {
    if (!isUtf8(bytes)) throw new EncodingError('is not valid UTF-8 (a body in another encoding says so: charset=…)');
    return bytes.toString('utf8');
  }
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label, { fatal: true });
  } catch {
    throw new EncodingError(`is in charset ${JSON.stringify(charset)}, which this server does not read`);
  }
  try {
    return decoder.decode(bytes);
  } catch {
    throw new EncodingError(`is not valid ${label}`);
  }
}

/** The charset a Content-Type declares, if any. */
export function charsetOf(contentType: string | undefined): string | undefined {
  return /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '')?.[1];
}
