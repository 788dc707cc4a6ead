import { workerData, type MessagePort } from 'node:worker_threads';
import { analyseSource, type DeepResponse } from './deep.js';

/**
 * The one-off worker of deep.ts: reads one deeply nested file with a large stack, posts the outcome (signals,
 * plain data) and wakes the waiting thread. The tree never leaves this thread: copying it would recurse too.
 */
const { text, done, port } = workerData as { text: string; done: Int32Array; port: MessagePort };
let answer: DeepResponse;
try {
  answer = analyseSource(text);
} catch (e) {
  answer = { error: (e as Error).message ?? String(e), reason: 'analysis' };
}
port.postMessage(answer);
port.close();
Atomics.store(done, 0, 1);
Atomics.notify(done, 0);
