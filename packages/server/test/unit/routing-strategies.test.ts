import { routingStrategyContract } from '../contracts/routing.contract.js';

routingStrategyContract('single', {
  spec: (a) => ({ strategy: 'single', champion: a }),
  switched: (_a, b) => ({ strategy: 'single', champion: b }),
  share: 0,
  shadows: false,
});

routingStrategyContract('shadow', {
  spec: (a, b) => ({ strategy: 'shadow', champion: a, challenger: b }),
  switched: (a, b) => ({ strategy: 'shadow', champion: b, challenger: a }),
  share: 0,
  shadows: true,
});

routingStrategyContract('canary 25%', {
  spec: (a, b) => ({ strategy: 'canary', champion: a, challenger: b, percent: 25 }),
  switched: (a, b) => ({ strategy: 'canary', champion: b, challenger: a, percent: 25 }),
  share: 0.25,
  shadows: false,
});

routingStrategyContract('blue-green', {
  spec: (a, b) => ({ strategy: 'blue_green', blue: a, green: b, active: 'blue' }),
  switched: (a, b) => ({ strategy: 'blue_green', blue: a, green: b, active: 'green' }),
  share: 0,
  shadows: false,
});
