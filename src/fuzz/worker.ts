/** The fuzzer's worker thread: runs inputs the main thread sends, one at a time. */
import { parentPort } from 'node:worker_threads';
import { checkInput } from './check.js';

parentPort?.on('message', (message: { id: number; text: string }) => {
  parentPort!.postMessage({ id: message.id, problem: checkInput(message.text) });
});
