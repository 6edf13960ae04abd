import type { Browser } from 'playwright-core';
export function chromiumPath(): string;
export function launchChromium(): Promise<Browser>;
export function runInChromium(entry: string, options?: { timeoutMs?: number }): Promise<unknown>;
