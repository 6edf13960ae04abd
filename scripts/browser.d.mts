export function chromiumPath(): string;
export function runInChromium(entry: string, options?: { timeoutMs?: number }): Promise<unknown>;
