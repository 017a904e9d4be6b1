/** What a CLI command reads and writes: the process's streams and files, or a test's. */
export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  readFile: (path: string) => string;
  readStdin: () => string;
}
