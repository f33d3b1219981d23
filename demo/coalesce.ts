// Redraws driven by sliders, drags and epochs: while one runs, further requests
// collapse into a single rerun after it, so a fast drag never queues up GPU work and
// the last request is always drawn. Each request's promise resolves once a run that
// started after it has finished (errors go to onError; the promise never rejects).

export function coalesced(task: () => Promise<void>, onError: (e: Error) => void): () => Promise<void> {
  let running: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  const run = (): Promise<void> => {
    running = task()
      .catch((e: Error) => onError(e))
      .finally(() => (running = null));
    return running;
  };
  return () => {
    if (!running) return run();
    queued ??= running.then(() => {
      queued = null;
      return run();
    });
    return queued;
  };
}
