// Whole lines out of a stream of chunks (a process's stderr arrives in pieces that split lines anywhere).

export class LineBuffer {
  private partial = "";

  /** The complete lines `chunk` finishes; the rest waits for the next chunk. */
  push(chunk: string): string[] {
    const text = this.partial + chunk;
    const lines = text.split(/\r?\n/);
    this.partial = lines.pop() ?? "";
    return lines;
  }

  /** What is left when the stream ends. */
  flush(): string[] {
    const rest = this.partial;
    this.partial = "";
    return rest ? [rest] : [];
  }
}
