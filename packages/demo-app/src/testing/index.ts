export { startDemo, type RunningDemo } from './start-demo.ts';
