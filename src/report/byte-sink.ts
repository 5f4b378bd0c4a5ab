// Bytes appended to one buffer that grows when it must: how the page scanner and the CSV record writer
// build a page's output without a string or a Buffer per item.

export class ByteSink {
  buffer: Buffer;
  /** The same bytes as a plain Uint8Array: element access on it is faster than on a Buffer. */
  view: Uint8Array;
  length = 0;

  constructor(capacity: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(capacity, 64));
    this.view = new Uint8Array(this.buffer.buffer, this.buffer.byteOffset, this.buffer.length);
  }

  /** Room for `n` more bytes after `length`. */
  reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + n));
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
    this.view = new Uint8Array(next.buffer, next.byteOffset, next.length);
  }

  write(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** Text as UTF-8. */
  writeText(text: string): void {
    this.reserve(Buffer.byteLength(text));
    this.length += this.buffer.write(text, this.length, "utf8");
  }

  done(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}
