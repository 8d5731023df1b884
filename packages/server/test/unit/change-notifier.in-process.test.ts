import { InProcessNotifier } from '../../src/routing/index.js';
import { changeNotifierContract } from '../contracts/change-notifier.contract.js';

changeNotifierContract('in-process', async () => {
  const notifier = new InProcessNotifier();
  return { publisher: notifier, listener: notifier, close: () => notifier.close() };
});
