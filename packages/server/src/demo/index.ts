/**
 * Demo traffic: simulated customers scored through the API and, later, their outcomes, from a
 * slowly drifting synthetic population, so that every page of a fresh install has data to show.
 */
export { CustomerStream, type CustomerStreamOptions, type DemoCustomer } from './customer-stream.js';
export { type DemoStats, DemoTraffic, type DemoTrafficOptions, startDemoTraffic } from './demo-traffic.js';
