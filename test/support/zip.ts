/**
 * Reads zip archives in tests with yauzl (a maintained reader: CRC-checked, entry sizes validated, strict
 * file names). Independent of scripts/package.mjs on purpose: the writer is what is being tested.
 */
import yauzl from 'yauzl';

export interface ZipEntryData {
  name: string;
  /** Unix mode from the high word of the external attributes, e.g. 0o100644. */
  mode: number;
  /** Raw MS-DOS date and time fields (date 0x0021, time 0 = 1980-01-01 00:00). */
  dosDate: number;
  dosTime: number;
  /** 0 stored, 8 deflated. */
  compressionMethod: number;
  /** Extra fields of the central directory record (e.g. the Info-ZIP "UT" timestamp, 0x5455). */
  extraFieldIds: number[];
  data: Buffer;
}

/** Every entry of the zip in `buf`, in archive order, with its uncompressed data. */
export function readZipEntries(buf: Buffer): Promise<ZipEntryData[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('yauzl returned no zip'));
      const entries: ZipEntryData[] = [];
      zip.on('error', reject);
      zip.on('end', () => resolve(entries));
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error(`no stream for ${entry.fileName}`));
          const chunks: Buffer[] = [];
          stream.on('error', reject);
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            entries.push({
              name: entry.fileName,
              mode: entry.externalFileAttributes >>> 16,
              dosDate: entry.lastModFileDate,
              dosTime: entry.lastModFileTime,
              compressionMethod: entry.compressionMethod,
              extraFieldIds: entry.extraFields.map((f) => f.id),
              data: Buffer.concat(chunks),
            });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

/** The entry names of the zip in `buf`, in archive order. */
export async function zipNames(buf: Buffer): Promise<string[]> {
  return (await readZipEntries(buf)).map((e) => e.name);
}
