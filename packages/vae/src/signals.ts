/** The signals that stop a command: Ctrl-C's SIGINT, and SIGTERM (kill, a service manager, a CI timeout). */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/**
 * An AbortSignal that the first of `signals` aborts, with the signal's name as its reason. Only
 * the first is caught: the handlers are removed then, so a second Ctrl-C ends the process at once
 * the default way (every file is written atomically, so even that leaves nothing half-written).
 * `dispose` removes the handlers when the command ends without a signal.
 */
export function abortOnSignals(signals: readonly NodeJS.Signals[] = STOP_SIGNALS): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handlers = signals.map((name) => [name, () => {
    dispose();
    controller.abort(name);
  }] as const);
  const dispose = () => {
    for (const [name, handler] of handlers) process.removeListener(name, handler);
  };
  for (const [name, handler] of handlers) process.on(name, handler);
  return { signal: controller.signal, dispose };
}
